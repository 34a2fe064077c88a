package tap

import (
	"io"
	"runtime"
	"sync"

	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
)

// batch is the records of an export that lie in one of the decoder's
// buffers (see jsonarray.Decoder.SetHandover), followed by the decoder's
// error in the last batch (io.EOF after the last record of the array).
// Records are not copied: the buffer travels with them.
type batch struct {
	back    []byte             // the memory the decoder's buffers are cut from (see ahead.memory)
	buf     []byte             // the buffer the records lie in; nil in the last batch
	recs    [][]byte           // the records, in order
	members []jsonarray.Member // the records' top-level members, in turn
	mends   []int32            // where each record's members end in members
	compact []bool             // whether each record is compact (see jsonarray.Decoder.Compact)
	err     error
}

// records calls fn with each record of b, its index in b, its top-level
// members (see jsonarray.Decoder.Members) and whether it is compact.
func (b *batch) records(fn func(i int, rec []byte, members []jsonarray.Member, compact bool) error) error {
	mstart := int32(0)
	for i, rec := range b.recs {
		mend := b.mends[i]
		if err := fn(i, rec, b.members[mstart:mend:mend], b.compact[i]); err != nil {
			return err
		}
		mstart = mend
	}
	return nil
}

// add appends the record the decoder returned last. Its members are in
// the slice the decoder hands over with the buffer (see handover): only
// their count is kept here.
func (b *batch) add(rec []byte, dec *jsonarray.Decoder) {
	b.recs = append(b.recs, rec)
	b.mends = append(b.mends, b.mend()+int32(len(dec.Members())))
	b.compact = append(b.compact, dec.Compact())
}

func (b *batch) mend() int32 {
	if len(b.mends) == 0 {
		return 0
	}
	return b.mends[len(b.mends)-1]
}

// reset empties b and returns the memory of its buffer and its members
// slice, for the decoder to go on in; b keeps them too (see ahead.memory).
func (b *batch) reset() ([]byte, []jsonarray.Member) {
	if cap(b.buf) > cap(b.back) { // the decoder made a bigger one, for a big record
		b.back = b.buf
	}
	clear(b.recs) // let go of the old buffer's records
	b.buf, b.recs, b.members, b.mends, b.compact, b.err = nil, b.recs[:0], b.members[:0], b.mends[:0], b.compact[:0], nil
	return b.back[:0], b.members
}

// ahead decodes an export a buffer at a time: in a goroutine of its own
// when two CPUs or more may run Go code, so that decoding (which also
// validates) overlaps projecting and writing; else in the caller's, batch
// by batch. Each time the decoder has filled its buffer, the records in it
// go to the caller as one batch, and the decoder goes on in the buffer of
// a batch the caller has handed back. There are aheadBatches at most, so
// memory stays flat and a slow target still holds the decoder back.
type ahead struct {
	dec     *jsonarray.Decoder
	cur     *batch // being filled
	biggest int    // the largest buffer grow makes

	// With a goroutine: batches go out on full and come back on free.
	full, free chan *batch
	done       chan struct{}
	stopped    bool // done was closed while the decoder waited for a batch
	wg         sync.WaitGroup
	out        *batch // the caller's

	// Without one: ready is the batch next returns, spare the one the
	// caller handed back.
	ready, spare *batch
}

const (
	// aheadFirst is the size of the decoder's first buffer of an export;
	// each one it is handed after that is twice the last, up to
	// aheadBuffer (see newAhead): the first batch comes soon (a small
	// window is not held up), the later ones are big enough that hand-overs
	// between the goroutines are rare. Each hand-over of a buffer wakes a
	// goroutine, and often a thread, three times (reader, decoder,
	// projector). On an Intel Xeon VM (2 vCPUs, 2 MiB of L2 a core) 4 MiB
	// buffers took 16% less CPU than 1 MiB at 1 GB (-0.19 ± 0.02 s paired,
	// and -0.26 s of wall) and 6-10% less at 100 MB; 2 and 3 MiB were in
	// between, 8 MiB no better. Their cost is the fresh memory a sync
	// writes once: +5 ms of page faults for a 10 MB window. On an AMD EPYC
	// VM (512 KiB of L2 a core) 1 MiB had taken 4-9% less CPU than 4 MiB,
	// with the same wall; on a first-generation Zen VM (512 KiB too)
	// neither 1 MiB nor 512 KiB did (+0.08 ± 0.06 s, +0.02 ± 0.11 s).
	// On a Xeon VM with 4 MiB of L2, 1, 2 and 8 MiB took 12, 5 and 9 ms
	// more than 4 MiB for 100 MB (of 121; ± 1.5, 40 rounds). The cost of a
	// hand-over is in waking threads (futex, and on loopback the sender's
	// TCP work done in the reader's system calls): in process, with the
	// body in memory, 1 MiB costs no more CPU than 4 MiB.
	aheadFirst  = 256 << 10
	aheadBuffer = 4 << 20
	// aheadBatches is how many batches (hence buffers) an ahead uses at
	// most: one the decoder fills, one the caller reads.
	aheadBatches = 2
)

// newAhead decodes the JSON array r ahead; the decoder's first buffer
// holds first bytes, each one it is handed after that twice the last, up
// to biggest.
func newAhead(r io.Reader, first, biggest int) *ahead {
	a := &ahead{cur: reuse.get(), biggest: biggest}
	buf, members := a.memory(first)
	a.dec = jsonarray.NewDecoderBuffer(r, buf)
	if runtime.GOMAXPROCS(0) < 2 {
		a.dec.SetHandover(members, a.handoverInline)
		return a
	}
	a.dec.ReadAhead() // a third goroutine reads: the transfer overlaps the decoding
	a.full, a.free, a.done = make(chan *batch, 1), make(chan *batch, aheadBatches-1), make(chan struct{})
	for range aheadBatches - 1 {
		a.free <- reuse.get()
	}
	a.dec.SetHandover(members, a.handover)
	a.wg.Go(func() {
		for {
			raw, err := a.dec.Next()
			if a.stopped {
				return
			}
			if err != nil {
				a.cur.members, a.cur.err = a.dec.HeldMembers(), err
				select {
				case a.full <- a.cur:
				case <-a.done:
				}
				return
			}
			a.cur.add(raw, a.dec)
		}
	})
	return a
}

// handover sends the batch whose records lie in full, with their members,
// and returns the buffer and members slice of a batch the caller has
// handed back, waiting for one.
func (a *ahead) handover(full []byte, members []jsonarray.Member) ([]byte, []jsonarray.Member) {
	if a.stopped { // the decoder is only reading on to its end
		return nil, nil
	}
	a.cur.buf, a.cur.members = full, members
	select {
	case a.full <- a.cur:
	case <-a.done:
		a.stopped = true
		return nil, nil
	}
	select {
	case a.cur = <-a.free:
	case <-a.done:
		a.stopped = true
		a.cur = reuse.get()
		return nil, nil
	}
	return a.grow(full)
}

// handoverInline is handover without a goroutine: the batch is ready for
// next to return, and the caller has handed back the previous one.
func (a *ahead) handoverInline(full []byte, members []jsonarray.Member) ([]byte, []jsonarray.Member) {
	a.cur.buf, a.cur.members = full, members
	a.ready = a.cur
	if a.cur = a.spare; a.cur == nil {
		a.cur = reuse.get()
	}
	a.spare = nil
	return a.grow(full)
}

// grow empties a.cur and returns the decoder's next buffer, twice the
// size of the full one (up to a.biggest), and the members slice to go
// with it.
func (a *ahead) grow(full []byte) ([]byte, []jsonarray.Member) {
	return a.memory(min(2*cap(full), a.biggest))
}

// memory empties a.cur and returns a buffer of size bytes for the decoder,
// cut from the batch's memory, and the members slice to go with it. A
// batch's memory is a.biggest bytes, and its members slice has room for a
// member every 32 bytes of it, made at once: memory costs only once it is
// written to (a fresh page costs 2-3 µs of system time here), so a buffer
// that grows within it writes to no more memory than it uses, and most
// exports never grow the members slice.
func (a *ahead) memory(size int) ([]byte, []jsonarray.Member) {
	back, members := a.cur.reset()
	if cap(back) < size {
		back = make([]byte, 0, max(size, a.biggest))
	}
	if cap(members) < size/32 {
		members = make([]jsonarray.Member, 0, max(size, a.biggest)/32)
	}
	a.cur.back, a.cur.members = back, members
	return back[:0:size], members
}

// next returns the next batch, handing the previous one back. Once a batch
// carries an error, the decoder is the caller's again (the goroutine has
// ended): the body may be read on after stopReading.
func (a *ahead) next() *batch {
	if a.full == nil {
		if a.ready != nil {
			a.spare, a.ready = a.ready, nil
		}
		for a.ready == nil {
			raw, err := a.dec.Next()
			if err != nil {
				// If the decoder handed a buffer over before it failed,
				// that batch goes first; Next fails again on the next call.
				if a.ready == nil {
					a.cur.members, a.cur.err = a.dec.HeldMembers(), err
					a.ready = a.cur
				}
				break
			}
			a.cur.add(raw, a.dec)
		}
		return a.ready
	}
	if a.out != nil {
		a.free <- a.out
	}
	a.out = <-a.full
	if a.out.err != nil {
		a.wg.Wait()
	}
	return a.out
}

// stopReading ends the decoder's reading goroutine (see
// jsonarray.Decoder.ReadAhead), waiting for a read in progress, so that
// the body may be read on. Call it only after next returned a batch with
// an error.
func (a *ahead) stopReading() { a.dec.Close() }

// stop ends the decoding goroutine and keeps the batches, their memory
// above all, for the next export (see reuse): nothing of theirs
// may be used after it, records included. Close the body first, so that a
// read the goroutine is waiting on ends.
func (a *ahead) stop() {
	if a.done != nil {
		close(a.done)
		a.wg.Wait()
		a.dec.Close() // its reads are done with the batches' memory
	}
	seen := map[*batch]bool{nil: true}
	keep := func(b *batch) {
		if !seen[b] {
			seen[b] = true
			b.reset()
			if cap(b.back) > a.biggest { // grown for a huge record: not kept
				b.back = nil
			}
			if cap(b.members) > a.biggest/8 { // grown for a record of very many members
				b.members = nil
			}
			reuse.put(b)
		}
	}
	keep(a.cur)
	keep(a.out)
	keep(a.ready)
	keep(a.spare)
	for len(a.full) > 0 {
		keep(<-a.full)
	}
	for len(a.free) > 0 {
		keep(<-a.free)
	}
	a.cur, a.out, a.ready, a.spare = nil, nil, nil, nil
}

// reuse holds the batches of exports that ended, for the next ones: a
// sync of many windows writes its buffers' memory once, not once a window
// (fresh memory costs 2-3 µs a page here). It keeps batchesKept at
// most: those of two exports at a time.
var reuse batchPool

const batchesKept = 2 * aheadBatches

type batchPool struct {
	mu   sync.Mutex
	list []*batch
}

// get returns a batch kept, or a new one.
func (s *batchPool) get() *batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.list); n > 0 {
		b := s.list[n-1]
		s.list = s.list[:n-1]
		return b
	}
	return &batch{}
}

// put keeps b, emptied, if fewer than batchesKept are kept.
func (s *batchPool) put(b *batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) < batchesKept {
		s.list = append(s.list, b)
	}
}
