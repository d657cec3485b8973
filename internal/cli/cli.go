// Package cli is jeeves's command line: `jeeves serve`, `jeeves
// rotate-key` and `jeeves version`.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/server"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/version"
)

const usage = `jeeves: a Jenkins-compatible automation server

Usage:
  jeeves serve [flags]   start the server (jeeves serve -h lists the flags)
  jeeves rotate-key      replace the key that seals the credentials (jeeves stopped)
  jeeves version         print the version
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "jeeves", version.Version)
		return 0
	case "serve":
		opts, err := parseServeFlags(args[1:], os.Getenv, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "jeeves:", err)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := Serve(ctx, opts, stderr); err != nil {
			fmt.Fprintln(stderr, "jeeves:", err)
			return 1
		}
		return 0
	case "rotate-key":
		return rotateKey(args[1:], os.Getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "jeeves: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// Options are serve's settings.
type Options struct {
	Home          string
	Listen        string
	URL           string
	Executors     int
	QuietPeriod   time.Duration
	Explicit      map[string]bool // flags given on the command line or in the environment
	CSRF          bool
	ShutdownGrace time.Duration
	Throttle      auth.ThrottlePolicy
	TokenPolicy   auth.TokenPolicy
	Audit         audit.Policy
	AdminPassword string // from JEEVES_ADMIN_PASSWORD only: never a flag, so it stays out of ps
	// TrustedProxies are the reverse proxies whose X-Forwarded-* headers
	// are believed.
	TrustedProxies  []netip.Prefix
	MaxConns        int // 0: derived from the open-file limit
	MaxConnsPerAddr int
	IdleTimeout     time.Duration
	BodyTimeout     time.Duration
	WriteTimeout    time.Duration
	// MailFlags are the mail settings given as flags or in the
	// environment; MailExplicit names those given.
	MailFlags    *settings.MailFlags
	MailExplicit map[string]bool
	// Ready, when set, receives the address the server listens on once it
	// accepts connections (tests use it with --listen 127.0.0.1:0).
	Ready func(addr string)
	// Pprof, when set, is a loopback address where Go's profiles are
	// served (net/http/pprof); off by default.
	Pprof string
}

func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (Options, error) {
	fs := flag.NewFlagSet("jeeves serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var o Options
	var quiet, grace string
	var execs, csrf string
	var userFails, addrFails, accountFails, maxWait string
	var proxies, maxConns, maxPerAddr, idle, bodyTime, writeTime string
	var tokenDays, tokenOver string
	var auditMB, auditKeep, auditDays string
	fs.StringVar(&o.Home, "home", env("JEEVES_HOME", "./jeeves-home"), "home directory: database, logs, workspaces, secrets (env JEEVES_HOME)")
	fs.StringVar(&o.Listen, "listen", env("JEEVES_LISTEN", ":8080"), "address to listen on (env JEEVES_LISTEN)")
	fs.StringVar(&o.URL, "url", env("JEEVES_URL", ""), "root URL used in absolute links and builds' JENKINS_URL; default: links from each request's Host, builds the listen address (env JEEVES_URL)")
	fs.StringVar(&execs, "executors", env("JEEVES_EXECUTORS", "2"), "number of builds run at once (env JEEVES_EXECUTORS)")
	fs.StringVar(&quiet, "quiet-period", env("JEEVES_QUIET_PERIOD", "5s"), "default quiet period before a triggered build starts; 0 for none (env JEEVES_QUIET_PERIOD)")
	fs.StringVar(&csrf, "csrf", env("JEEVES_CSRF", "true"), "require CSRF crumbs on POSTs not authenticated by an API token (env JEEVES_CSRF)")
	fs.StringVar(&grace, "shutdown-grace", env("JEEVES_SHUTDOWN_GRACE", "10s"), "on SIGTERM, how long running builds may finish before they are aborted (env JEEVES_SHUTDOWN_GRACE)")
	fs.StringVar(&userFails, "throttle-failures", env("JEEVES_THROTTLE_FAILURES", "5"), "password failures allowed per user and address before attempts must wait; 0 turns this off (env JEEVES_THROTTLE_FAILURES)")
	fs.StringVar(&addrFails, "throttle-address-failures", env("JEEVES_THROTTLE_ADDRESS_FAILURES", "20"), "password failures allowed per address before attempts must wait; 0 turns this off (env JEEVES_THROTTLE_ADDRESS_FAILURES)")
	fs.StringVar(&accountFails, "throttle-account-failures", env("JEEVES_THROTTLE_ACCOUNT_FAILURES", "20"), "password failures allowed per account across all addresses before its password logins must wait, except from addresses it logged in from before; 0 turns this off (env JEEVES_THROTTLE_ACCOUNT_FAILURES)")
	fs.StringVar(&proxies, "trusted-proxies", env("JEEVES_TRUSTED_PROXIES", ""), "comma-separated IPs and CIDR ranges of reverse proxies whose X-Forwarded-For, -Proto, -Host and -Port headers are believed; none by default (env JEEVES_TRUSTED_PROXIES)")
	fs.StringVar(&maxConns, "max-connections", env("JEEVES_MAX_CONNECTIONS", "0"), "open connections served at once; more get 503 with Retry-After; 0 = from the open-file limit, at most 4096 (env JEEVES_MAX_CONNECTIONS)")
	fs.StringVar(&maxPerAddr, "max-connections-per-address", env("JEEVES_MAX_CONNECTIONS_PER_ADDRESS", "128"), "open connections from one address (trusted proxies are exempt); 0 = no limit (env JEEVES_MAX_CONNECTIONS_PER_ADDRESS)")
	fs.StringVar(&idle, "http-idle-timeout", env("JEEVES_HTTP_IDLE_TIMEOUT", "60s"), "how long a keep-alive connection may wait for its next request (env JEEVES_HTTP_IDLE_TIMEOUT)")
	fs.StringVar(&bodyTime, "http-body-timeout", env("JEEVES_HTTP_BODY_TIMEOUT", "2m"), "how long a request body may take to arrive in full; slower gets 408 (env JEEVES_HTTP_BODY_TIMEOUT)")
	fs.StringVar(&writeTime, "http-write-timeout", env("JEEVES_HTTP_WRITE_TIMEOUT", "60s"), "how long one write of an answer may wait for a client that stopped reading; renewed with every write, so long downloads are not cut (env JEEVES_HTTP_WRITE_TIMEOUT)")
	fs.StringVar(&maxWait, "throttle-max-wait", env("JEEVES_THROTTLE_MAX_WAIT", "15m"), "the longest wait the password throttle imposes (env JEEVES_THROTTLE_MAX_WAIT)")
	fs.StringVar(&tokenDays, "token-max-days", env("JEEVES_TOKEN_MAX_DAYS", "0"), "the longest lifetime of a new API token in days; 0 allows tokens that never expire (env JEEVES_TOKEN_MAX_DAYS)")
	fs.StringVar(&tokenOver, "token-max-days-policy", env("JEEVES_TOKEN_MAX_DAYS_POLICY", "refuse"), "refuse a longer token request, or cap it to the maximum (env JEEVES_TOKEN_MAX_DAYS_POLICY)")
	fs.StringVar(&o.Pprof, "pprof", env("JEEVES_PPROF", ""), "serve Go's profiles (net/http/pprof, unauthenticated) on this loopback address, such as 127.0.0.1:6060; off by default, for admins measuring jeeves (env JEEVES_PPROF)")
	fs.StringVar(&auditMB, "audit-max-mb", env("JEEVES_AUDIT_MAX_MB", "10"), "each audit log (audit.log, anonymous.log) rotates past this many megabytes (env JEEVES_AUDIT_MAX_MB)")
	fs.StringVar(&auditKeep, "audit-keep", env("JEEVES_AUDIT_KEEP", "4"), "rotated files kept of each audit log (env JEEVES_AUDIT_KEEP)")
	fs.StringVar(&auditDays, "audit-max-days", env("JEEVES_AUDIT_MAX_DAYS", "90"), "rotated audit log files older than this many days are deleted; 0 keeps them (env JEEVES_AUDIT_MAX_DAYS)")
	o.MailFlags = settings.RegisterMailFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.MailExplicit = o.MailFlags.Explicit(fs, getenv)
	if err := o.MailFlags.Apply(&settings.Mail{}, o.MailExplicit); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Settings an admin can also change in the UI: given explicitly (flag
	// or environment), they win over the saved ones for this run.
	o.Explicit = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.Explicit[f.Name] = true })
	for flagName, envName := range map[string]string{"url": "JEEVES_URL", "executors": "JEEVES_EXECUTORS", "quiet-period": "JEEVES_QUIET_PERIOD", "csrf": "JEEVES_CSRF"} {
		if getenv(envName) != "" {
			o.Explicit[flagName] = true
		}
	}
	var err error
	if o.Executors, err = strconv.Atoi(execs); err != nil || o.Executors < 0 || o.Executors > 1024 {
		return o, fmt.Errorf("--executors: want a number from 0 to 1024, got %q", execs)
	}
	if o.QuietPeriod, err = parseDuration(quiet); err != nil {
		return o, fmt.Errorf("--quiet-period: %v", err)
	}
	if o.ShutdownGrace, err = parseDuration(grace); err != nil {
		return o, fmt.Errorf("--shutdown-grace: %v", err)
	}
	o.Throttle = auth.DefaultThrottle
	if o.Throttle.UserFailures, err = strconv.Atoi(userFails); err != nil || o.Throttle.UserFailures < 0 {
		return o, fmt.Errorf("--throttle-failures: want a number, 0 or more, got %q", userFails)
	}
	if o.Throttle.AddrFailures, err = strconv.Atoi(addrFails); err != nil || o.Throttle.AddrFailures < 0 {
		return o, fmt.Errorf("--throttle-address-failures: want a number, 0 or more, got %q", addrFails)
	}
	if o.Throttle.AccountFailures, err = strconv.Atoi(accountFails); err != nil || o.Throttle.AccountFailures < 0 {
		return o, fmt.Errorf("--throttle-account-failures: want a number, 0 or more, got %q", accountFails)
	}
	if o.TrustedProxies, err = server.ParseTrustedProxies(proxies); err != nil {
		return o, fmt.Errorf("--trusted-proxies: %v", err)
	}
	if o.MaxConns, err = strconv.Atoi(maxConns); err != nil || o.MaxConns < 0 {
		return o, fmt.Errorf("--max-connections: want a number, 0 or more, got %q", maxConns)
	}
	if o.MaxConnsPerAddr, err = strconv.Atoi(maxPerAddr); err != nil || o.MaxConnsPerAddr < 0 {
		return o, fmt.Errorf("--max-connections-per-address: want a number, 0 or more, got %q", maxPerAddr)
	}
	for _, d := range []struct {
		flag, val string
		dst       *time.Duration
	}{{"http-idle-timeout", idle, &o.IdleTimeout}, {"http-body-timeout", bodyTime, &o.BodyTimeout}, {"http-write-timeout", writeTime, &o.WriteTimeout}} {
		if *d.dst, err = parseDuration(d.val); err != nil || *d.dst <= 0 {
			return o, fmt.Errorf("--%s: want a duration above 0, such as 30s, got %q", d.flag, d.val)
		}
	}
	if o.Throttle.Max, err = parseDuration(maxWait); err != nil || o.Throttle.Max < time.Second {
		return o, fmt.Errorf("--throttle-max-wait: want a duration of 1s or more, got %q", maxWait)
	}
	days, err := strconv.Atoi(tokenDays)
	if err != nil || days < 0 || days > 36500 {
		return o, fmt.Errorf("--token-max-days: want a number of days (0 for no limit), got %q", tokenDays)
	}
	o.TokenPolicy.MaxLifetime = time.Duration(days) * 24 * time.Hour
	switch tokenOver {
	case "refuse":
	case "cap":
		o.TokenPolicy.Cap = true
	default:
		return o, fmt.Errorf("--token-max-days-policy: want refuse or cap, got %q", tokenOver)
	}
	mb, err1 := strconv.Atoi(auditMB)
	keep, err2 := strconv.Atoi(auditKeep)
	adays, err3 := strconv.Atoi(auditDays)
	if err1 != nil || err2 != nil || err3 != nil || mb < 1 || keep < 0 || keep > 1000 || adays < 0 {
		return o, fmt.Errorf("--audit-max-mb (≥ 1), --audit-keep (0–1000) and --audit-max-days (≥ 0) want whole numbers")
	}
	o.Audit = audit.Policy{MaxBytes: int64(mb) << 20, Keep: keep, MaxAge: time.Duration(adays) * 24 * time.Hour}
	if o.CSRF, err = strconv.ParseBool(csrf); err != nil {
		return o, fmt.Errorf("--csrf: want true or false, got %q", csrf)
	}
	if o.URL != "" {
		if !strings.HasPrefix(o.URL, "http://") && !strings.HasPrefix(o.URL, "https://") {
			return o, fmt.Errorf("--url: want an http:// or https:// URL, got %q", o.URL)
		}
		o.URL = strings.TrimSuffix(o.URL, "/") + "/"
	}
	if o.Pprof != "" {
		if err := checkPprofAddr(o.Pprof); err != nil {
			return o, fmt.Errorf("--pprof: %v", err)
		}
	}
	o.AdminPassword = getenv("JEEVES_ADMIN_PASSWORD")
	return o, nil
}

// parseDuration takes a Go duration, or a bare number of seconds ("0").
func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a duration such as 5s or 0, got %q", s)
	}
	return d, nil
}

// Serve runs the server until ctx ends, then shuts down gracefully:
// it stops accepting requests and work, lets running builds finish
// within the grace period, and aborts the rest cleanly.
func Serve(ctx context.Context, o Options, logOut io.Writer) error {
	log := slog.New(slog.NewTextHandler(logOut, nil))
	home, err := filepath.Abs(o.Home)
	if err != nil {
		return err
	}
	if err := checkHome(home); err != nil {
		return err
	}
	fixed, failed := makePrivate(home)
	if len(fixed) > 0 {
		log.Warn("the home was open to other users: made it private", "home", home, "fixed", strings.Join(fixed, ", "))
	}
	if len(failed) > 0 {
		log.Error("cannot make the home private: other users may read it", "home", home, "failed", strings.Join(failed, ", "))
	}
	// Listening before the queue starts lets builds, even those left
	// queued by the previous run, know the address jeeves serves on.
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	if o.Pprof != "" {
		pln, err := net.Listen("tcp", o.Pprof)
		if err != nil {
			return fmt.Errorf("--pprof: %v", err)
		}
		defer servePprof(pln, log).Close()
	}
	maxConns := o.MaxConns
	if maxConns == 0 {
		maxConns = connectionBudget()
	}
	throttle := o.Throttle
	a, err := app.New(ctx, app.Options{
		Home: home, Version: version.Version, Logger: log,
		Executors: o.Executors, QuietPeriod: o.QuietPeriod, CSRF: o.CSRF, RootURL: o.URL, Explicit: o.Explicit,
		ListenURL: listenURL(o.Listen, ln.Addr()), AdminPassword: o.AdminPassword,
		Throttle: &throttle, TokenPolicy: o.TokenPolicy, Audit: o.Audit,
		TrustedProxies: o.TrustedProxies, MaxConns: maxConns, MaxConnsPerAddr: o.MaxConnsPerAddr,
		IdleTimeout: o.IdleTimeout, BodyTimeout: o.BodyTimeout, WriteTimeout: o.WriteTimeout,
		MailFlags: o.MailFlags, MailExplicit: o.MailExplicit,
	})
	if err != nil {
		return err
	}
	if pw := a.InitialAdminPassword; pw != "" {
		// Shown once, as Jenkins does, so the first admin can log in.
		fmt.Fprintf(logOut, "\n*************************************************************\n\n"+
			"jeeves initial setup: the user \"admin\" was created with this password:\n\n%s\n\n"+
			"It is also in %s\n\n*************************************************************\n\n", pw, filepath.Join(home, "secrets", "initialAdminPassword"))
	}
	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	a.Run(bg)
	hs := a.HTTPServer(slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	served := make(chan error, 1)
	go func() { served <- hs.Serve(a.Listener(ln)) }()
	log.Info("jeeves is ready", "version", version.Version, "listen", ln.Addr().String(), "home", home, "maxConnections", maxConns)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		a.Close(o.ShutdownGrace)
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("connections still open after 5 s are dropped", "err", err)
	}
	a.Close(o.ShutdownGrace)
	log.Info("stopped")
	return nil
}

// checkHome refuses a home jeeves cannot write to, with the reason: it
// creates the home if needed and writes 64 KB in it, so a read-only,
// forbidden or full home stops jeeves before it serves anything.
func checkHome(home string) error {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("cannot create the home %s: %v", home, store.Cause(err))
	}
	f, err := os.CreateTemp(home, ".write-test-*")
	if err != nil {
		return fmt.Errorf("the home %s is not writable: %v", home, store.Cause(err))
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.Write(make([]byte, 64<<10))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("the home %s is not writable: %v", home, store.Cause(err))
	}
	return os.Remove(name)
}

// listenURL is the root URL builds get when none is configured: the
// address jeeves listens on, by the host name given to --listen if it
// is one, else by the IP it bound ("localhost" for every interface).
func listenURL(listen string, addr net.Addr) string {
	host := "localhost"
	port := "0"
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
		if tcp.IP != nil && !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		}
	}
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" {
		if _, err := netip.ParseAddr(h); err != nil {
			host = h
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// connectionBudget is the default cap on open connections: what the
// open-file limit leaves after a reserve for the database, build logs
// and builds' pipes (a quarter of it, at least 64), at most 4096. Go
// has already raised the soft limit to the hard one at start (since Go
// 1.19; processes jeeves starts get the original back).
func connectionBudget() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<20 {
		return 4096
	}
	n := int(lim.Cur)
	return min(4096, max(16, n-max(64, n/4)))
}
