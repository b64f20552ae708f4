package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"greffier/domain"
	"greffier/frontend"
	"greffier/server"
)

func serveCommand() command {
	return command{name: "serve", summary: "serve review to the clinic's browsers over HTTPS (serve init first)", run: runServe}
}

func runServe(ctx context.Context, c *cli, args []string) error {
	if len(args) > 0 && args[0] == "init" {
		return runServeInit(c, args[1:])
	}
	fs := newFlags(c, "serve", "serve --dir DIR [--listen ADDR] [--cert F --key F] [--http] [--idle D]")
	dir := fs.String("dir", "", "the server's data folder (greffier.db, tls/)")
	listen := fs.String("listen", "127.0.0.1:8443", "address to listen on (the LAN address for the clinic)")
	cert := fs.String("cert", "", "certificate (PEM) supplied by IT, instead of DIR/tls/cert.pem")
	key := fs.String("key", "", "its private key (PEM)")
	plain := fs.Bool("http", false, "plain HTTP, allowed only on a loopback address")
	idle := fs.Duration("idle", server.DefaultIdle, "a session unused for this long ends")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--dir DIR is required")
	}
	cfg := server.Config{Dir: *dir, Assets: frontend.Dist(), Idle: *idle}
	scheme := "http"
	if *plain {
		if !server.IsLoopback(*listen) {
			return domain.Errorf(domain.EInvalid, "--http only on a loopback address, not %s", *listen)
		}
	} else {
		tc, fp, err := server.LoadTLS(*dir, *cert, *key)
		if err != nil {
			return err
		}
		cfg.TLS, scheme = tc, "https"
		fmt.Fprintf(c.stderr, "certificate SHA-256 fingerprint: %s\n", fp)
	}
	if cfg.Assets == nil {
		fmt.Fprintln(c.stderr, "greffier serve: this binary has no built frontend (make frontend, then rebuild): the API only")
	}
	srv, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "cannot listen on %s", *listen)
	}
	fmt.Fprintf(c.stdout, "serving %s://%s\n", scheme, l.Addr())
	return srv.Serve(ctx, l)
}

func runServeInit(c *cli, args []string) error {
	fs := newFlags(c, "serve init", "serve init --dir DIR [--host NAME,IP...]")
	dir := fs.String("dir", "", "the server's data folder to create")
	hosts := fs.String("host", "", "names and IP addresses browsers use to reach the server, comma-separated (default: this host's name, localhost, 127.0.0.1)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--dir DIR is required")
	}
	var hs []string
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		if name, err := os.Hostname(); err == nil {
			hs = append(hs, name)
		}
		hs = append(hs, "localhost", "127.0.0.1")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "cannot create %s", *dir)
	}
	fp, err := server.InitDir(*dir, hs, time.Now())
	if err != nil {
		return err
	}
	db := filepath.Join(*dir, server.DBName)
	fmt.Fprintf(c.stdout, "created %s\ncertificate for %s\nSHA-256 fingerprint: %s\n"+
		"next: greffier users add ADMIN --role admin --db %s, then greffier serve --dir %s --listen ADDR\n",
		*dir, strings.Join(hs, ", "), fp, db, *dir)
	return nil
}
