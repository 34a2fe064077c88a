// Command rusage is bench/compare.sh's stopwatch: it runs a command and
// writes the command's user and system CPU time and peak RSS, in GNU
// time -v's words, to a file. GNU time prints CPU time in hundredths of a
// second, which is 10% of a 100 MB window's; rusage prints the
// microseconds the kernel reports. The command's stdin, stdout and stderr
// are rusage's; rusage exits with the command's exit code.
//
// Usage: rusage -o FILE COMMAND [ARG...]
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) < 3 || args[0] != "-o" {
		fmt.Fprintln(os.Stderr, "usage: rusage -o FILE COMMAND [ARG...]")
		return 2
	}
	cmd := exec.CommandContext(context.Background(), args[2], args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		return 127
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "rusage: no resource usage on this system")
		return 127
	}
	seconds := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	report := fmt.Sprintf("User time (seconds): %.6f\nSystem time (seconds): %.6f\nMaximum resident set size (kbytes): %d\nExit status: %d\n",
		seconds(ru.Utime), seconds(ru.Stime), ru.Maxrss, cmd.ProcessState.ExitCode())
	if err := os.WriteFile(args[1], []byte(report), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		return 127
	}
	return cmd.ProcessState.ExitCode()
}
