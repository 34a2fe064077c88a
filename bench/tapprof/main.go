// Command tapprof is tap-dixa with profiling, for bench/compare.sh: the same
// cli.Run as cmd/tap-dixa, with a CPU profile written to $TAPPROF_CPU and a
// heap profile (at exit) to $TAPPROF_MEM when they are set. It takes
// tap-dixa's arguments.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	if path := os.Getenv("TAPPROF_CPU"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tapprof: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "tapprof: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := cli.NotifyContext(context.Background())
	defer stop()
	code := cli.Run(ctx, cli.Env{Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now})
	if path := os.Getenv("TAPPROF_MEM"); path != "" {
		runtime.GC()
		f, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			_ = f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "tapprof: %v\n", err)
		}
	}
	return code
}
