// Command phdctl is the phdkit command-line tool. This file dispatches subcommands; each
// subcommand lives in its own file.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: phdctl dm ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "dm":
		err = runDM(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("phdctl: unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
