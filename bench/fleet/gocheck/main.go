// gocheck: the Go peer for the fleet benchmarks (bench/README.md), shaped like the original
// r1's health check: one GET per URL with a timeout, healthy iff status == 200 and the body
// contains the expected text. C goroutines share one http.Client.
//
// By default keep-alives are off (every check is a new connection and a full TLS handshake, as
// r1 does); -keepalive uses http.DefaultTransport's settings (keep-alive, at most 2 idle
// connections kept per host:port), so some checks reuse a connection and skip the handshake.
// Prints "ok N failed M" on stdout and the first few failures on stderr; exit 0 iff M == 0.
// Standard library only.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	conc := flag.Int("c", 64, "checks in flight (goroutines)")
	caFile := flag.String("ca", "", "CA certificate(s) to trust (PEM); empty: system roots")
	expected := flag.String("expected-body", "OK", "the body must contain this")
	timeout := flag.Duration("timeout", 10*time.Second, "per-check timeout")
	keepAlive := flag.Bool("keepalive", false, "reuse connections (default http.Transport behaviour)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gocheck [flags] URLFILE")
		os.Exit(2)
	}

	var urls []string
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			urls = append(urls, line)
		}
	}
	f.Close()

	tlsCfg := &tls.Config{}
	if *caFile != "" {
		pemBytes, err := os.ReadFile(*caFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			fmt.Fprintln(os.Stderr, "no certificate in", *caFile)
			os.Exit(2)
		}
		tlsCfg.RootCAs = pool
	}

	var transport *http.Transport
	if *keepAlive {
		transport = http.DefaultTransport.(*http.Transport).Clone()
		transport.TLSClientConfig = tlsCfg // only the CA differs from http.DefaultClient's transport
	} else {
		transport = &http.Transport{DisableKeepAlives: true, TLSClientConfig: tlsCfg}
	}
	client := &http.Client{Transport: transport, Timeout: *timeout}

	check := func(url string) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		if len(body) == 0 || !strings.Contains(string(body), *expected) {
			return fmt.Errorf("body does not contain %q", *expected)
		}
		return nil
	}

	var ok, failed atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	var printMu sync.Mutex
	for g := 0; g < *conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(urls) {
					return
				}
				if err := check(urls[i]); err != nil {
					if failed.Add(1) <= 5 {
						printMu.Lock()
						fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", urls[i], err)
						printMu.Unlock()
					}
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("ok %d failed %d\n", ok.Load(), failed.Load())
	if failed.Load() != 0 {
		os.Exit(1)
	}
}
