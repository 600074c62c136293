// Command parse reads PEM certificates with Go's crypto/x509, as every Go relying party
// (Traefik, Caddy, Vault, Kubernetes, step-ca, Go DICOMweb gateways) does, and prints one JSON
// object per certificate: whether Go parsed it (and Go's error if not), its subject, its URI
// subjectAltNames, and the machine binding read from them (urn:uuid: and urn:dev:mac:).
// With -ca FILE it also verifies each certificate as a TLS client certificate (ExtKeyUsage
// clientAuth) against the CA certificates in FILE.
//
// Standard library only, so `go build` needs no module download (tests/ca/test_binding_interop.py).
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"strings"
)

type result struct {
	File            string   `json:"file"`
	Parsed          bool     `json:"parsed"`
	Error           string   `json:"error,omitempty"`
	Subject         string   `json:"subject,omitempty"`
	URIs            []string `json:"uris"`
	MachineIdentity string   `json:"machine_identity,omitempty"`
	MACAddress      string   `json:"mac_address,omitempty"`
	Verified        *bool    `json:"verified,omitempty"`
	VerifyError     string   `json:"verify_error,omitempty"`
}

// binding reads the machine binding from the certificate's URI subjectAltNames.
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

func roots(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("no CA certificate in %s", path)
	}
	return pool, nil
}

func check(file string, der []byte, pool *x509.CertPool) result {
	out := result{File: file, URIs: []string{}}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Parsed = true
	out.Subject = cert.Subject.String()
	for _, uri := range cert.URIs {
		out.URIs = append(out.URIs, uri.String())
	}
	out.MachineIdentity, out.MACAddress = binding(cert)
	if pool != nil {
		_, err := cert.Verify(x509.VerifyOptions{Roots: pool,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		ok := err == nil
		out.Verified = &ok
		if err != nil {
			out.VerifyError = err.Error()
		}
	}
	return out
}

func main() {
	caFile := flag.String("ca", "", "verify each certificate as a client certificate under these CAs")
	flag.Parse()
	var pool *x509.CertPool
	if *caFile != "" {
		var err error
		if pool, err = roots(*caFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	encoder := json.NewEncoder(os.Stdout)
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		block, _ := pem.Decode(data)
		if block == nil || block.Type != "CERTIFICATE" {
			fmt.Fprintf(os.Stderr, "%s: no PEM certificate\n", file)
			os.Exit(2)
		}
		if err := encoder.Encode(check(file, block.Bytes, pool)); err != nil {
			os.Exit(2)
		}
	}
}
