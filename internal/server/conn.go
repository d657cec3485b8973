package server

import (
	"bytes"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/request"
)

// Connection defaults. No timeout below bounds how long an answer may
// take in all: a console streamed for an hour keeps its connection as
// long as the client keeps reading.
const (
	DefaultIdleTimeout  = 60 * time.Second // keep-alive wait for the next request
	DefaultBodyTimeout  = 2 * time.Minute  // a 4 MiB body then needs 35 KB/s
	DefaultWriteTimeout = 60 * time.Second // one write waiting on a client that stopped reading
	readHeaderTimeout   = 10 * time.Second // the request line and headers
	refusalSlots        = 64               // refused connections being answered at once
	refusalTime         = 2 * time.Second  // how long one refusal may take
	refusalRetryAfter   = 2                // seconds, in the refusal's Retry-After
	writeChunk          = 256 << 10        // bytes written under one write deadline
	refusalHeadLimit    = 16 << 10         // request bytes read before a refusal is sent
	refusalDrainLimit   = 64 << 10         // request bytes drained after it
)

// HTTPServer is the http.Server to run s with. Request headers must
// arrive within 10 s, and a keep-alive connection waits IdleTimeout for
// its next request. It sets no ReadTimeout or WriteTimeout, which would
// cut long console streams and slow uploads alike; instead a request
// body must arrive within BodyTimeout (set per request in ServeHTTP), and
// on connections accepted through Listener each write must make progress
// within WriteTimeout, a deadline renewed with every write.
func (s *Server) HTTPServer(errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          errorLog,
	}
}

// Listener bounds the connections accepted from ln: past MaxConns open
// connections in all, or MaxConnsPerAddr from one address (trusted
// proxies are exempt: every client behind them shares their address), a
// new connection is answered "503 Service Unavailable" with Retry-After
// and a sentence saying why, then closed. While refusalSlots such
// answers are under way, further excess connections are closed at once.
// Every write on an accepted connection gets WriteTimeout to complete.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return &limitListener{
		Listener: ln, s: s, byAddr: map[netip.Addr]int{},
		refusing: make(chan struct{}, refusalSlots),
	}
}

type limitListener struct {
	net.Listener
	s        *Server
	refusing chan struct{}

	mu     sync.Mutex
	open   int
	byAddr map[netip.Addr]int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		var addr netip.Addr
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			addr = ap.Addr().Unmap()
		}
		if why := l.admit(addr); why != "" {
			l.refuse(c, why)
			continue
		}
		return &limitedConn{Conn: c, l: l, addr: addr, write: l.s.cfg.WriteTimeout}, nil
	}
}

// admit counts a new connection from addr, or says why it is refused.
func (l *limitListener) admit(addr netip.Addr) string {
	cfg := &l.s.cfg
	perAddr := cfg.MaxConnsPerAddr > 0 && addr.IsValid() && !l.s.proxies.trusts(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if cfg.MaxConns > 0 && l.open >= cfg.MaxConns {
		return "jeeves has too many open connections (" + strconv.Itoa(cfg.MaxConns) + "); try again in a few seconds"
	}
	if perAddr && l.byAddr[addr] >= cfg.MaxConnsPerAddr {
		return "Too many open connections from " + addr.String() + " (" + strconv.Itoa(cfg.MaxConnsPerAddr) + "); close some or try again in a few seconds"
	}
	l.open++
	if perAddr {
		l.byAddr[addr]++
	}
	return ""
}

func (l *limitListener) release(addr netip.Addr) {
	perAddr := l.s.cfg.MaxConnsPerAddr > 0 && addr.IsValid() && !l.s.proxies.trusts(addr)
	l.mu.Lock()
	l.open--
	if perAddr {
		if l.byAddr[addr] <= 1 {
			delete(l.byAddr, addr)
		} else {
			l.byAddr[addr]--
		}
	}
	l.mu.Unlock()
}

// refuse answers an excess connection with a 503 and closes it, without
// holding up Accept. It reads the request's head first and drains a
// little after, so the client reads the answer rather than a reset.
func (l *limitListener) refuse(c net.Conn, why string) {
	select {
	case l.refusing <- struct{}{}:
	default:
		l.close(c)
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		defer l.close(c)
		if err := c.SetDeadline(time.Now().Add(refusalTime)); err != nil {
			return // closed already
		}
		head := make([]byte, 0, 1024)
		buf := make([]byte, 1024)
		for len(head) < refusalHeadLimit && !bytes.Contains(head, []byte("\r\n\r\n")) {
			n, err := c.Read(buf)
			head = append(head, buf[:n]...)
			if err != nil {
				break
			}
		}
		msg := why + "\n"
		if _, err := io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\n"+
			"Retry-After: "+strconv.Itoa(refusalRetryAfter)+"\r\n"+
			"Connection: close\r\n"+
			"Content-Length: "+strconv.Itoa(len(msg))+"\r\n\r\n"+msg); err != nil {
			return // the client is gone: nothing to drain
		}
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			if err := cw.CloseWrite(); err != nil {
				return
			}
		}
		// Whatever the client still sends is read and dropped, up to the
		// limit or the deadline, which ends it either way.
		if _, err := io.Copy(io.Discard, io.LimitReader(c, refusalDrainLimit)); err != nil {
			l.s.log.Debug("a refused connection ended while drained", "err", err)
		}
	}()
}

// close closes a refused connection; a failure is only worth a debug
// line: the connection is dropped either way.
func (l *limitListener) close(c net.Conn) {
	if err := c.Close(); err != nil {
		l.s.log.Debug("cannot close a refused connection", "err", err)
	}
}

// limitedConn is an accepted connection: it leaves the count when
// closed, and each write gets a fresh deadline.
type limitedConn struct {
	net.Conn
	l        *limitListener
	addr     netip.Addr
	write    time.Duration
	deadline time.Time // the write deadline last set
	once     sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

// renew gives the next write WriteTimeout to complete. A deadline set
// less than an eighth of it ago (at most a second) is left alone, which
// spares most small answers on a busy keep-alive connection the call.
func (c *limitedConn) renew() error {
	now := time.Now()
	if c.deadline.Sub(now) > c.write-min(c.write/8, time.Second) {
		return nil
	}
	c.deadline = now.Add(c.write)
	return c.Conn.SetWriteDeadline(c.deadline)
}

// Write writes b in pieces of writeChunk, each with WriteTimeout to
// complete: a client that reads keeps the answer flowing however long it
// is; one that stops is cut off.
func (c *limitedConn) Write(b []byte) (int, error) {
	var n int
	for len(b) > 0 {
		piece := b[:min(len(b), writeChunk)]
		if err := c.renew(); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(piece)
		n += m
		if err != nil {
			return n, err
		}
		b = b[m:]
	}
	return n, nil
}

// ReadFrom keeps the kernel's file-to-socket copy (sendfile) for files
// served whole, a writeChunk at a time under a fresh write deadline.
func (c *limitedConn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok {
		return io.Copy(struct{ io.Writer }{c}, r)
	}
	src, left := r, int64(-1) // -1: no limit
	if lr, ok := r.(*io.LimitedReader); ok {
		src, left = lr.R, lr.N
		defer func() { lr.N = left }()
	}
	var total int64
	for left != 0 {
		want := int64(writeChunk)
		if left > 0 {
			want = min(want, left)
		}
		if err := c.renew(); err != nil {
			return total, err
		}
		n, err := rf.ReadFrom(&io.LimitedReader{R: src, N: want})
		total += n
		if left > 0 {
			left -= n
		}
		if err != nil || n < want {
			return total, err
		}
	}
	return total, nil
}

// CloseWrite lets http.Server half-close as it does on a bare TCP
// connection.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// timedBody is a request body that must arrive by a deadline: it
// remembers whether the deadline cut it short, and lifts the deadline
// once the body has been read, so a handler that runs long afterwards is
// not cut off.
type timedBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	expired bool
	log     *slog.Logger
}

// limitBody gives r's body BodyTimeout to arrive; nil when r has none or
// the connection cannot take a deadline.
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request) *timedBody {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)) != nil {
		return nil
	}
	b := &timedBody{ReadCloser: r.Body, rc: rc, log: s.log}
	r.Body = b
	return b
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		// The next request on the connection is under the server's
		// own timeouts again.
		if err := b.rc.SetReadDeadline(time.Time{}); err != nil {
			b.log.Debug("cannot clear a read body's deadline", "err", err)
		}
	case errors.Is(err, os.ErrDeadlineExceeded):
		b.expired = true
	}
	return n, err
}

// errBodyTimeout is the answer to a body that did not arrive in time,
// whatever a handler made of the read error.
func (s *Server) errBodyTimeout() error {
	return &request.Error{Status: http.StatusRequestTimeout, XError: true, Msg: "The request body did not arrive within " + s.cfg.BodyTimeout.String() + "; send it again, faster or smaller"}
}
