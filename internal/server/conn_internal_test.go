package server

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestWriteDeadlineIsRenewedByEachWrite: an answer keeps flowing to a
// client that reads, however long it takes in all, and a client that
// stops reading is cut off after the write timeout.
func TestWriteDeadlineIsRenewedByEachWrite(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := &limitedConn{Conn: a, l: &limitListener{s: &Server{}}, write: 2 * time.Second}
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, 3*writeChunk))
		done <- err
	}()
	// Three pieces, 800 ms apart: longer than the timeout in all, each
	// well within it.
	buf := make([]byte, writeChunk)
	for got := 0; got < 3*writeChunk; {
		time.Sleep(800 * time.Millisecond)
		n, err := io.ReadFull(b, buf)
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
	if err := <-done; err != nil {
		t.Fatalf("a reader that keeps reading was cut: %v", err)
	}
	go func() {
		_, err := c.Write(make([]byte, 10))
		done <- err
	}()
	// Nobody reads now.
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("write to a client that stopped reading: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a write to a client that stopped reading never ended")
	}
}
