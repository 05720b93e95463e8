module github.com/phdkit/phdkit

go 1.25

require (
	github.com/transparency-dev/merkle v0.0.2
	golang.org/x/mod v0.30.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.11.1
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
