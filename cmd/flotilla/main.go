// Command flotilla is Flotilla's single binary: the hub controllers, the console, the local
// fleet and the kubectl-style user commands. See `flotilla --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"flotilla.dev/flotilla/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
