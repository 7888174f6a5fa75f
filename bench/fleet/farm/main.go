// farm: a loopback HTTPS target farm for the fleet benchmarks (bench/README.md).
//
// It generates its own CA (ECDSA P-256) at start, signs one ECDSA P-256 leaf whose SANs are
// IP 127.0.0.1, IP ::1 and DNS localhost, writes the CA to -ca, and serves GET /health -> 200 "OK"
// (after -delay) on -ports listeners on 127.0.0.1. Ports are picked by the kernel unless -base is
// given; the chosen ports go to -ports-file, one a line, and "ready" is printed once all listen.
//
// Session tickets are off unless -tickets is given, so no client can resume a TLS session: every
// new connection is a full handshake. With -dns ADDR it also answers DNS (UDP, A records) on
// ADDR:53 for every name under r1bench.test with 127.0.0.1, so tools can be measured on host
// names; the leaf also carries DNS *.r1bench.test. Standard library only.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	must(err)
	return n
}

// makeCerts returns the CA certificate (PEM) and the server's leaf chain.
func makeCerts() ([]byte, tls.Certificate) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "r1 bench farm CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(err)
	caCert, err := x509.ParseCertificate(caDER)
	must(err)

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", "*.r1bench.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	must(err)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
}

func main() {
	nPorts := flag.Int("ports", 32, "number of listening ports")
	base := flag.Int("base", 0, "first port (0: let the kernel pick each port)")
	delay := flag.Duration("delay", 0, "wait this long before answering /health (models latency)")
	caPath := flag.String("ca", "ca.pem", "write the CA certificate here (PEM)")
	portsFile := flag.String("ports-file", "ports.txt", "write the listening ports here, one a line")
	keepAlive := flag.Bool("keepalive", true, "allow HTTP keep-alive (clients decide whether to reuse)")
	statsFile := flag.String("stats-file", "", "if set: serve plain-HTTP GET /stats on another loopback port, written here")
	tickets := flag.Bool("tickets", false, "issue TLS session tickets, so clients may resume")
	dnsAddr := flag.String("dns", "", "if set: answer DNS on this loopback address, port 53, for *.r1bench.test")
	flag.Parse()

	caPEM, leaf := makeCerts()
	must(os.WriteFile(*caPath, caPEM, 0o644))

	var served, bad, conns, handshakes, resumed, dnsQueries atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if *delay > 0 {
			time.Sleep(*delay)
		}
		served.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "2")
		_, _ = w.Write([]byte("OK"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		bad.Add(1)
		http.NotFound(w, r)
	})

	tlsCfg := &tls.Config{
		Certificates:           []tls.Certificate{leaf},
		SessionTicketsDisabled: !*tickets,            // by default no resumption: every connection is a full handshake
		NextProtos:             []string{"http/1.1"}, // HTTP/1.1 for every tool, as r1 speaks
		VerifyConnection: func(cs tls.ConnectionState) error { // runs once per completed handshake
			handshakes.Add(1)
			if cs.DidResume {
				resumed.Add(1)
			}
			return nil
		},
	}
	var ports []string
	for i := 0; i < *nPorts; i++ {
		addr := "127.0.0.1:0"
		if *base != 0 {
			addr = fmt.Sprintf("127.0.0.1:%d", *base+i)
		}
		ln, err := net.Listen("tcp", addr)
		must(err)
		ports = append(ports, fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
		srv := &http.Server{
			Handler:           mux,
			TLSConfig:         tlsCfg,
			ReadHeaderTimeout: 30 * time.Second,
			IdleTimeout:       30 * time.Second,
			ErrorLog:          log.New(discard{}, "", 0),                                // handshake errors from killed clients
			TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // no h2
		}
		srv.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}
		srv.SetKeepAlivesEnabled(*keepAlive)
		go func() { _ = srv.Serve(tls.NewListener(ln, tlsCfg)) }()
	}
	if *statsFile != "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		must(err)
		smux := http.NewServeMux()
		smux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "{\"conns\": %d, \"handshakes\": %d, \"resumed\": %d, \"health\": %d, \"other\": %d, \"dns\": %d}\n",
				conns.Load(), handshakes.Load(), resumed.Load(), served.Load(), bad.Load(), dnsQueries.Load())
		})
		go func() { _ = http.Serve(ln, smux) }()
		must(os.WriteFile(*statsFile, []byte(fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)+"\n"), 0o644))
	}
	if *dnsAddr != "" {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(*dnsAddr, "53"))
		must(err)
		// A thousand checks start their lookups at once: a small socket buffer and one reader
		// would drop queries, and the benchmark would measure this server instead of the tools.
		_ = pc.(*net.UDPConn).SetReadBuffer(8 << 20)
		for i := 0; i < 4; i++ {
			go serveDNS(pc, &dnsQueries)
		}
	}
	must(os.WriteFile(*portsFile, []byte(strings.Join(ports, "\n")+"\n"), 0o644))
	fmt.Println("ready")

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	fmt.Fprintf(os.Stderr, "farm: served %d /health, %d other\n", served.Load(), bad.Load())
}

// serveDNS answers A queries for names under r1bench.test with 127.0.0.1, AAAA (and anything
// else under it) with no record, other names with NXDOMAIN. One question per query, as resolvers
// send them.
func serveDNS(pc net.PacketConn, queries *atomic.Int64) {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		queries.Add(1)
		q := buf[:n]
		if n < 12 {
			continue
		}
		at, name := 12, ""
		for at < n && q[at] != 0 {
			l := int(q[at])
			if l > 63 || at+1+l > n {
				break
			}
			if name != "" {
				name += "."
			}
			name += strings.ToLower(string(q[at+1 : at+1+l]))
			at += 1 + l
		}
		if at+5 > n {
			continue
		}
		qtype := int(q[at+1])<<8 | int(q[at+2])
		end := at + 5
		out := append([]byte{}, q[:end]...)
		out[2] = 0x84 | (q[2] & 0x01)
		out[3] = 0x80
		out[4], out[5] = 0, 1
		for i := 6; i < 12; i++ {
			out[i] = 0
		}
		if !(name == "r1bench.test" || strings.HasSuffix(name, ".r1bench.test")) {
			out[3] = 0x83 // NXDOMAIN
		} else if qtype == 1 {
			out[7] = 1
			out = append(out, 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1)
		}
		_, _ = pc.WriteTo(out, from)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
