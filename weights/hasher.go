package weights

import (
	"crypto/sha256"
	"hash"
)

// hasher computes the weights file's SHA-256 on a second goroutine, in
// file order, from a queue of pieces of memory: bytes written from memory,
// or the mapped source pages of bytes the kernel copied file to file
// (hashed where they lie, then released, while the next piece is copied).
type hasher struct {
	jobs     chan hashJob
	finished chan struct{}
	digest   hash.Hash
}

// hashJob is one piece.
type hashJob struct {
	mem []byte
	// release, when set, is called with mem once it is hashed.
	release func([]byte)
	done    chan struct{} // closed once hashed; nil when nobody waits
}

func startHasher() *hasher {
	h := &hasher{jobs: make(chan hashJob, 16), finished: make(chan struct{}), digest: sha256.New()}
	go h.run()
	return h
}

func (h *hasher) run() {
	defer close(h.finished)
	for j := range h.jobs {
		h.digest.Write(j.mem)
		if j.release != nil {
			j.release(j.mem)
		}
		if j.done != nil {
			close(j.done)
		}
	}
}

// add queues a piece; mem must stay unchanged until it is hashed (wait on
// done, or pass memory nobody changes).
func (h *hasher) add(j hashJob) { h.jobs <- j }

// finish waits for every queued piece and returns the digest.
func (h *hasher) finish() []byte {
	close(h.jobs)
	<-h.finished
	return h.digest.Sum(nil)
}

// stop ends the goroutine without a digest (Abort).
func (h *hasher) stop() {
	close(h.jobs)
	<-h.finished
}
