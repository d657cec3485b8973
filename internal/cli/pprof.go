package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// checkPprofAddr accepts only a loopback address with a port for the
// profiling listener: the profiles show what the process is doing
// (URLs, job names, stacks) and /debug/pprof/ has no authentication, so
// it is for an admin on the machine itself (see SECURITY.md).
func checkPprofAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("want host:port on loopback, such as 127.0.0.1:6060, got %q", addr)
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		return nil
	}
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("only a loopback address is allowed (the profiles are not authenticated), got %q", addr)
	}
	return nil
}

// servePprof serves Go's profiles (net/http/pprof) on ln, on its own
// server and mux, apart from jeeves's: CPU, heap, goroutines, and the
// blocking and mutex profiles, which it turns on (they cost a little on
// every contended lock, so only while profiling is asked for).
func servePprof(ln net.Listener, log *slog.Logger) *http.Server {
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	runtime.SetMutexProfileFraction(10)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	log.Warn("profiling is on: Go's profiles are served without authentication on loopback", "pprof", ln.Addr().String())
	return hs
}
