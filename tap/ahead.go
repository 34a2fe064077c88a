package tap

import (
	"runtime"
	"sync"

	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
)

// batchBytes is about how much of an export a batch carries.
const batchBytes = 256 << 10

// batch is records decoded ahead, end to end in buf, followed by the
// decoder's error (io.EOF after the last record of the array).
type batch struct {
	buf     []byte
	ends    []int              // where each record ends in buf
	members []jsonarray.Member // the records' top-level members, in turn
	mends   []int              // where each record's members end in members
	err     error
}

// records calls fn with each record of b, its index in b and its
// top-level members (see jsonarray.Decoder.Members).
func (b *batch) records(fn func(i int, rec []byte, members []jsonarray.Member) error) error {
	start, mstart := 0, 0
	for i, end := range b.ends {
		mend := b.mends[i]
		if err := fn(i, b.buf[start:end:end], b.members[mstart:mend:mend]); err != nil {
			return err
		}
		start, mstart = end, mend
	}
	return nil
}

// fill decodes into b up to batchBytes of records, or up to the decoder's
// first error.
func (b *batch) fill(dec *jsonarray.Decoder) {
	b.buf, b.ends, b.members, b.mends, b.err = b.buf[:0], b.ends[:0], b.members[:0], b.mends[:0], nil
	for len(b.buf) < batchBytes {
		raw, err := dec.Next()
		if err != nil {
			b.err = err
			return
		}
		b.buf = append(b.buf, raw...)
		b.ends = append(b.ends, len(b.buf))
		b.members = append(b.members, dec.Members()...)
		b.mends = append(b.mends, len(b.members))
	}
}

// ahead decodes an export in batches: in a goroutine of its own when two
// CPUs or more may run Go code, so that decoding (which also validates)
// overlaps projecting and writing; else in the caller's, batch by batch.
// The goroutine holds at most three batches, so memory stays flat and a
// slow target still holds the decoder back.
type ahead struct {
	dec        *jsonarray.Decoder
	full, free chan *batch
	done       chan struct{}
	wg         sync.WaitGroup
	cur        *batch
}

func newAhead(dec *jsonarray.Decoder) *ahead {
	a := &ahead{dec: dec}
	if runtime.GOMAXPROCS(0) < 2 {
		a.cur = &batch{}
		return a
	}
	a.full, a.free, a.done = make(chan *batch, 1), make(chan *batch, 3), make(chan struct{})
	for range cap(a.free) {
		a.free <- &batch{}
	}
	a.wg.Go(func() {
		for {
			var b *batch
			select {
			case b = <-a.free:
			case <-a.done:
				return
			}
			b.fill(a.dec)
			select {
			case a.full <- b:
			case <-a.done:
				return
			}
			if b.err != nil {
				return
			}
		}
	})
	return a
}

// next returns the next batch, handing the previous one back. Once a batch
// carries an error, the decoder is the caller's again (the goroutine has
// ended): the body may be read on.
func (a *ahead) next() *batch {
	if a.full == nil {
		a.cur.fill(a.dec)
		return a.cur
	}
	if a.cur != nil {
		a.free <- a.cur
	}
	a.cur = <-a.full
	if a.cur.err != nil {
		a.wg.Wait()
	}
	return a.cur
}

// stop ends the decoding goroutine. Close the body first, so that a read
// it is waiting on ends.
func (a *ahead) stop() {
	if a.done != nil {
		close(a.done)
		a.wg.Wait()
	}
}
