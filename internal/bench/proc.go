package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a server process the harness started: jeeves, or the bare
// handler (this same program with -serve-file). Both print a line with
// "listen=ADDR" on stderr once they accept connections.
type proc struct {
	cmd     *exec.Cmd
	url     string
	started time.Time
	mu      sync.Mutex
	log     strings.Builder
	exited  chan struct{}
}

var readyLine = regexp.MustCompile(`(?:jeeves is ready|bare handler is ready).*listen=(\S+)`)

// startProc starts argv and waits until it says it is ready.
func startProc(argv []string, env []string) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if p.log.Len() < 1<<20 {
				p.log.WriteString(line + "\n")
			}
			p.mu.Unlock()
			if m := readyLine.FindStringSubmatch(line); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(p.exited)
	}()
	select {
	case addr := <-ready:
		p.url = "http://" + addr
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before it was ready:\n%s", argv[0], p.output())
	case <-time.After(60 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s did not get ready in 60 s:\n%s", argv[0], p.output())
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// stop sends SIGTERM and waits, killing the process group after 30 s.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

// rssMB is the process's resident memory (VmRSS) in MiB.
func (p *proc) rssMB() (float64, error) {
	return rssOf(p.cmd.Process.Pid)
}

func rssOf(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmRSS(string(b))
}

// parseVmRSS reads the VmRSS line of /proc/PID/status, in MiB.
func parseVmRSS(status string) (float64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("odd VmRSS line %q", line)
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, err
		}
		return kb / 1024, nil
	}
	return 0, errors.New("no VmRSS line")
}

// firstAnswer sends GET path until it is answered 200 and returns the time
// from the process's start to that answer.
func (p *proc) firstAnswer(c *client, path string) (time.Duration, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, _, err := c.get(p.url+path, nil)
		if err == nil && status == http.StatusOK {
			return time.Since(p.started), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("GET %s: %d %v", path, status, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// client makes the harness's own requests (not the load generator's).
type client struct {
	hc           *http.Client
	user, secret string
}

func newClient(user, secret string) *client {
	return &client{hc: &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64},
		Timeout:       5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, user: user, secret: secret}
}

func (c *client) do(method, url string, hdr http.Header) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.secret)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp.Header, err
}

func (c *client) get(url string, hdr http.Header) (int, []byte, error) {
	st, b, _, err := c.do(http.MethodGet, url, hdr)
	return st, b, err
}

// mustGet GETs url and wants 200.
func (c *client) mustGet(url string) ([]byte, error) {
	st, b, err := c.get(url, nil)
	if err != nil {
		return nil, err
	}
	if st != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", url, st, firstLine(b))
	}
	return b, nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
