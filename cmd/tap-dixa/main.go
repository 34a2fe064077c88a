// Command tap-dixa is a Singer tap for Dixa. See the README, or run
// tap-dixa --help.
package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/cli"
)

func main() {
	ctx, stop := cli.NotifyContextExit(context.Background(), os.Exit)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	return cli.Run(ctx, cli.Env{Args: args, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Now: time.Now})
}
