// Command rawget is the floor of the benchmark of bench/compare.sh: it GETs
// one URL with an Exports API token and copies the body to nowhere, as fast
// as the connection delivers it, then prints the body's size in bytes and
// the seconds it took on stdout, as "bytes=N seconds=S".
//
// Usage: rawget URL TOKEN
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: rawget URL TOKEN")
		os.Exit(2)
	}
	start := time.Now()
	n, err := get(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "rawget: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("bytes=%d seconds=%.3f\n", n, time.Since(start).Seconds())
}

// get copies the body of url to io.Discard and returns its size.
func get(url, token string) (int64, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s", resp.Status)
	}
	// A writer without ReadFrom, so that io.CopyBuffer uses our 256 KiB buffer.
	return io.CopyBuffer(struct{ io.Writer }{io.Discard}, resp.Body, make([]byte, 256<<10))
}
