package farm

import "time"

// SetExecutors changes the number of executors at run time. Growing
// starts waiting builds at once; shrinking lets builds running on the
// executors that go finish, and starts none there.
func (q *Queue) SetExecutors(n int) {
	if n < 0 {
		n = 0
	}
	q.mu.Lock()
	for len(q.executors) < n {
		q.executors = append(q.executors, false)
	}
	q.limit = n
	q.mu.Unlock()
	q.poke()
}

// SetDefaults changes the global quiet period for builds scheduled from
// now on, and the configured root URL ("" = Config.ListenURL) for builds
// started from now on.
func (q *Queue) SetDefaults(quiet time.Duration, rootURL string) {
	q.quietNanos.Store(int64(quiet))
	q.rootURL.Store(&rootURL)
}
