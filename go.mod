module github.com/phdkit/phdkit

go 1.25

require (
	github.com/transparency-dev/merkle v0.0.2
	golang.org/x/mod v0.30.0
)
