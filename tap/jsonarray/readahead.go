package jsonarray

import (
	"errors"
	"io"
	"sync"
)

// readAhead reads the stream in a goroutine of its own, into the free end
// of the buffer the decoder scans: the decoder waits only when it has
// caught up with the input, and the system calls (the kernel's copy of
// each byte) overlap the scan. The goroutine fills a buffer to its end
// and then waits for the next one; the decoder moves to a new buffer only
// once it has used the whole of the old one, so the two never touch the
// same bytes: the goroutine writes past n, the decoder reads before it.
type readAhead struct {
	r     io.Reader
	next  chan []byte   // decoder to goroutine: the buffer to fill, from its length on
	ready chan struct{} // goroutine to decoder: n or err changed
	done  chan struct{} // closed by Close
	wg    sync.WaitGroup

	mu  sync.Mutex
	n   int   // bytes of the buffer being filled that hold data
	err error // the read error, once there is one
}

// ReadAhead makes d read its stream in a goroutine of its own, so that
// reading overlaps decoding (on a machine with two CPUs or more, the
// transfer then costs the decoder no time). Call it before the first
// Next, and call Close once done with d, whatever the outcome: it stops
// the goroutine, which may be waiting for d to make room. If a read may
// block, close the stream first, as a read in progress cannot be
// stopped otherwise.
func (d *Decoder) ReadAhead() {
	if d.ahead != nil || d.count > 0 || len(d.buf) > 0 {
		return
	}
	ra := &readAhead{r: d.r, next: make(chan []byte, 1), ready: make(chan struct{}, 1), done: make(chan struct{})}
	d.ahead = ra
	ra.next <- d.buf[:0]
	ra.wg.Go(ra.run)
}

// Close stops the goroutine of ReadAhead and waits for it to end; it does
// nothing without one. d must not be used after Close.
func (d *Decoder) Close() {
	if ra := d.ahead; ra != nil {
		close(ra.done)
		ra.wg.Wait()
		d.ahead = nil
		if d.err == nil {
			d.err = errClosed
		}
	}
}

var errClosed = errors.New("jsonarray: Next after Close")

// run fills each buffer it is given to its end, then waits for the next.
func (ra *readAhead) run() {
	var buf []byte
	n := 0
	for {
		if buf == nil || n == cap(buf) {
			select {
			case buf = <-ra.next:
				n = len(buf)
			case <-ra.done:
				return
			}
			continue
		}
		m, err := readSome(ra.r, buf[n:cap(buf)])
		n += m
		ra.mu.Lock()
		ra.n, ra.err = n, err
		ra.mu.Unlock()
		select {
		case ra.ready <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// fillAhead is fill with the goroutine reading: it takes what the
// goroutine has read, moving to a new buffer when the old one is full,
// and waits when there is nothing yet.
func (d *Decoder) fillAhead(ra *readAhead) error {
	for {
		ra.mu.Lock()
		n, err := ra.n, ra.err
		ra.mu.Unlock()
		if n > len(d.buf) {
			d.grown(n - len(d.buf))
			return nil
		}
		if err != nil {
			d.rerr = err
			return err
		}
		if n == cap(d.buf) { // the goroutine waits for a buffer
			d.move()
			ra.mu.Lock()
			ra.n = len(d.buf)
			ra.mu.Unlock()
			ra.next <- d.buf
			continue
		}
		<-ra.ready
	}
}
