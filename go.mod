module github.com/phdkit/phdkit

go 1.25.0

require golang.org/x/crypto v0.55.0

require (
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
