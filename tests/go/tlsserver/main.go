// Command tlsserver is an HTTPS server built on Go's crypto/tls and net/http that requires a
// client certificate (tls.RequireAndVerifyClientCert) issued under -ca, as a Go front end of a
// PACS web viewer or a Go DICOMweb gateway would. For each request it reads the machine
// binding from the client certificate's URI subjectAltNames (urn:uuid:, urn:dev:mac:), prints
//
//	CLIENT cn=<CN> machine=<32 hex digits> mac=<12 hex digits>
//
// on stdout and answers with the same line. Handshake failures (Go's own reason, such as a
// client certificate that crypto/x509 cannot parse) are printed as "ERROR <message>".
//
// It listens on 127.0.0.1 on a free port, prints "LISTENING <port>" once ready, and exits
// when its standard input is closed. Standard library only (tests/ca/test_binding_interop.py).
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

var stdout sync.Mutex

func say(line string) {
	stdout.Lock()
	defer stdout.Unlock()
	fmt.Println(line)
}

type errorLines struct{}

func (errorLines) Write(p []byte) (int, error) {
	say("ERROR " + strings.TrimSpace(string(p)))
	return len(p), nil
}

func binding(cert *x509.Certificate) (identity, mac string) {
	for _, uri := range cert.URIs {
		text := uri.String()
		lower := strings.ToLower(text)
		switch {
		case strings.HasPrefix(lower, "urn:uuid:"):
			identity = strings.ToLower(strings.ReplaceAll(text[len("urn:uuid:"):], "-", ""))
		case strings.HasPrefix(lower, "urn:dev:mac:"):
			mac = strings.ToLower(text[len("urn:dev:mac:"):])
		}
	}
	return identity, mac
}

func handle(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		http.Error(w, "no client certificate", http.StatusForbidden)
		return
	}
	leaf := r.TLS.PeerCertificates[0]
	identity, mac := binding(leaf)
	if identity == "" {
		http.Error(w, "the client certificate carries no urn:uuid: binding", http.StatusForbidden)
		return
	}
	line := fmt.Sprintf("CLIENT cn=%s machine=%s mac=%s", leaf.Subject.CommonName, identity, mac)
	say(line)
	io.WriteString(w, line+"\n")
}

func main() {
	certFile := flag.String("cert", "", "server certificate (PEM)")
	keyFile := flag.String("key", "", "server private key (PEM, PKCS#8)")
	caFile := flag.String("ca", "", "CA certificates that issue client certificates (PEM)")
	flag.Parse()
	identity, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		log.Fatalf("no CA certificate in %s", *caFile)
	}
	config := &tls.Config{Certificates: []tls.Certificate{identity}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{Handler: http.HandlerFunc(handle), TLSConfig: config,
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(errorLines{}, "", 0)}
	say(fmt.Sprintf("LISTENING %d", listener.Addr().(*net.TCPAddr).Port))
	go func() {
		io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		os.Exit(0)
	}()
	if err := server.ServeTLS(listener, "", ""); err != nil {
		log.Fatal(err)
	}
}
