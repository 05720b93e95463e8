module github.com/phdkit/phdkit

go 1.25
