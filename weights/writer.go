// Package weights writes and reads the weights file (model.weights): raw
// little-endian tensor bytes at absolute offsets named by manifest.json.
//
// Layout written: an 8-byte header "WGWT" + u32 LE 1 (so webnn-graph's own
// unpack/inline tools and its JS loader read it), then, in what used to be
// the first tensor's alignment padding, the SHA-256 of every byte from
// offset 64 to the end (bytes 8..40; zero bytes 40..64), then each tensor
// at an offset aligned to 64 bytes (zero padding), so a reader can map
// float views zero-copy. Offsets are absolute, as rustnn/pywebnn read them;
// readers that do not know the digest see padding. The manifest pins the
// same digest, so a weights file from another conversion is recognised
// without reading it whole.
// Reading accepts any layout whose manifest ranges lie inside the file
// (headerless convert-onnx blobs included).
package weights

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/manifest"
)

// Magic is the 4-byte file signature; Version follows as u32 LE.
const (
	Magic      = "WGWT"
	Version    = 1
	HeaderSize = 8
	Alignment  = 64
	// DigestOffset is where the SHA-256 of bytes [DataStart, end) lies.
	DigestOffset = HeaderSize
	// DataStart is where tensor data begins in a file Writer writes.
	DataStart = Alignment
)

// Writer streams tensors into a weights file. Identical tensors (same
// bytes) are stored once; their manifest entries share an offset.
//
// The file's SHA-256 is computed on a second goroutine while the bytes are
// written (hasher). Bytes that lie unchanged in an open source file (a
// mapped external data file, see CopyFrom) are copied file to file by the
// kernel, and writeback to disk is started as the file grows, so a
// conversion costs about what cp of its weights costs: one kernel copy,
// one hashing pass over data in the page cache, one fsync.
type Writer struct {
	path string
	f    *os.File
	buf  *bufio.Writer
	off  int64 // bytes written so far (file size once flushed)
	h    *hasher
	seed maphash.Seed
	// Deduplication: byFull indexes stored tensors by a hash of all their
	// bytes; tensors larger than sampleAll are first indexed by a hash of
	// a few samples (bySample) and hashed whole only when a sample collides
	// (promoted), so a conversion reads each distinct large tensor once.
	byFull   map[uint64][]int
	bySample map[uint64][]int
	promoted map[uint64]bool
	stored   []stored
	man      *manifest.Manifest
	err      error // sticky
	done     bool
	sum      []byte // the digest, set by Finish
	finished bool   // Finish succeeded
	// ownsPath: Abort removes path (NewWriter created it).
	ownsPath bool
	src      Source
	noCopy   bool // copy_file_range failed here once: write from memory
	sources  map[*os.File]fileStamp
	kicked   int64 // writeback started up to here
	scratch  []byte
}

type stored struct {
	off, n  int64
	full    uint64
	hasFull bool
}

// A Source tells which open file holds a byte slice unchanged, and where:
// onnxpb.Model.FileRange, for slices of its mapped files.
type Source interface {
	FileRange(b []byte) (*os.File, int64, bool)
}

// CopyFrom lets the writer copy tensors that src locates in a file file to
// file (copy_file_range) instead of writing them from memory; they are
// hashed from the slice. Such a slice must be the file's bytes (a mapping
// nobody wrote into) and stay mapped until Finish or Abort returns.
func (w *Writer) CopyFrom(src Source) { w.src = src }

var (
	errCopyUnsupported = errors.New("file-to-file copy not supported")
	errSourceShort     = errors.New("source file is shorter than the tensor (changed during the conversion?)")
)

// NewWriter creates (truncates) path and writes the header.
func NewWriter(path string) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	w, err := NewFileWriter(f, path)
	if w != nil {
		w.ownsPath = true
	}
	return w, err
}

// NewFileWriter writes the weights file into f, a new empty file opened
// for reading and writing (name is how errors call it). Finish and Abort
// close f; removing it after Abort is the caller's business.
func NewFileWriter(f *os.File, name string) (*Writer, error) {
	w := &Writer{path: name, f: f, buf: bufio.NewWriterSize(f, 1<<20), seed: maphash.MakeSeed(),
		byFull: map[uint64][]int{}, bySample: map[uint64][]int{}, promoted: map[uint64]bool{}, man: manifest.New()}
	var hdr [DataStart]byte
	copy(hdr[:], Magic)
	binary.LittleEndian.PutUint32(hdr[4:], Version)
	w.write(hdr[:])
	if w.err != nil {
		f.Close()
		return nil, w.err
	}
	w.h = startHasher()
	return w, nil
}

// write appends p through the buffer; the caller queues its hashing.
func (w *Writer) write(p []byte) {
	if w.err != nil {
		return
	}
	n, err := w.buf.Write(p)
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("weights: writing %s: %w", w.path, err)
	}
}

// writeSmall writes data of at most smallCopy bytes, hashed from a private
// copy so that nothing waits for the hasher.
func (w *Writer) writeSmall(data []byte) {
	w.h.add(hashJob{mem: bytes.Clone(data)})
	w.write(data)
}

// writeHashed writes data from memory while the hasher hashes it, piece by
// piece: piece i is written as piece i-1 is hashed, and released once both
// are done with it.
func (w *Writer) writeHashed(data []byte, release func([]byte)) {
	if len(data) <= smallCopy {
		w.writeSmall(data)
		if release != nil {
			release(data)
		}
		return
	}
	var prev hashJob
	for off := 0; off < len(data) && w.err == nil; off += chunkSize {
		j := hashJob{mem: data[off:min(len(data), off+chunkSize)], done: make(chan struct{})}
		w.h.add(j)
		w.write(j.mem)
		if prev.done != nil {
			<-prev.done
			if release != nil {
				release(prev.mem)
			}
		}
		prev = j
	}
	if prev.done != nil {
		<-prev.done
		if release != nil {
			release(prev.mem)
		}
	}
}

// copyHashed appends data, which lies at srcOff in src, copying it file to
// file in pieces whose edges fall on the source's page boundaries; each
// piece is queued for hashing from its mapped pages (then released) once
// copied, and writeback is started as the file grows. It reports false,
// having written nothing, when this file pair cannot be copied that way,
// and writes the rest from memory when that turns out partway.
func (w *Writer) copyHashed(data []byte, src *os.File, srcOff int64, release func([]byte)) bool {
	if err := w.buf.Flush(); err != nil {
		w.err = fmt.Errorf("weights: writing %s: %w", w.path, err)
		return true
	}
	if err := w.stamp(src); err != nil {
		w.err = err
		return true
	}
	for done := int64(0); done < int64(len(data)); {
		n := min(chunkSize-(srcOff+done)%pageSize, int64(len(data))-done)
		k, err := copyRange(w.f, src, srcOff+done, n)
		if k > 0 {
			w.h.add(hashJob{mem: data[done : done+k], release: release})
			w.off += k
			done += k
			if w.off-w.kicked >= writebackUnit {
				startWriteback(w.f, w.kicked, w.off-w.kicked)
				w.kicked = w.off
			}
		}
		if errors.Is(err, errCopyUnsupported) {
			w.noCopy = true
			if done == 0 {
				return false
			}
			w.writeHashed(data[done:], release)
			return true
		}
		if err != nil {
			w.err = fmt.Errorf("weights: copying %s into %s: %w", src.Name(), w.path, err)
			return true
		}
	}
	return true
}

// stamp records, on its first use, the size and change times of a source
// file, which Finish checks again: the bytes are hashed from the mapping
// and copied from the file, which agree unless the file is changed
// meanwhile; then the conversion fails instead of pinning a wrong digest.
func (w *Writer) stamp(src *os.File) error {
	if _, ok := w.sources[src]; ok {
		return nil
	}
	st, err := stampOf(src)
	if err != nil {
		return fmt.Errorf("weights: %s: %w", src.Name(), err)
	}
	if w.sources == nil {
		w.sources = map[*os.File]fileStamp{}
	}
	w.sources[src] = st
	return nil
}

// checkSources fails when a source file copied from changed since.
func (w *Writer) checkSources() error {
	for f, was := range w.sources {
		now, err := stampOf(f)
		if err != nil {
			return fmt.Errorf("weights: %s: %w", f.Name(), err)
		}
		if now != was {
			return fmt.Errorf("weights: %s changed while its tensors were copied into %s", f.Name(), w.path)
		}
	}
	return nil
}

var zeros [Alignment]byte

// Add appends one tensor under key. len(data) must equal d.ByteLength();
// d must be static. A key may be added only once.
func (w *Writer) Add(key string, d graph.Desc, data []byte) error {
	return w.AddReleasing(key, d, data, nil)
}

const (
	// chunkSize is the unit in which a tensor's bytes are copied or
	// written, hashed and handed to the release callback.
	chunkSize = 4 << 20
	// smallCopy: tensors up to this size are written from memory (a
	// copy_file_range call costs more than it saves) and hashed whole for
	// deduplication; larger ones are sampled first.
	smallCopy = 64 << 10
	// writebackUnit: writeback is started every this many bytes copied.
	writebackUnit = 8 << 20
	// pageSize aligns copied pieces to whole pages of the source mapping,
	// so that releasing a piece drops every page it holds.
	pageSize = 4096
)

// AddReleasing is Add for data that lies in mapped pages the caller wants
// to drop as soon as they are no longer needed: release is called with
// consecutive pieces of data (4 MiB at most) once the writer is done with
// them, so a conversion's resident memory stays near a few pieces instead
// of its largest tensor. release may be called from another goroutine,
// until Finish returns, for data copied file to file (CopyFrom); other
// data must not change until AddReleasing returns.
func (w *Writer) AddReleasing(key string, d graph.Desc, data []byte, release func([]byte)) error {
	if w.done {
		return fmt.Errorf("weights: Add(%q) after Finish", key)
	}
	if w.err != nil {
		return w.err
	}
	if key == "" {
		return errors.New("weights: empty tensor key")
	}
	if _, dup := w.man.Tensors[key]; dup {
		return fmt.Errorf("weights: tensor %q added twice", key)
	}
	shape, ok := d.StaticShape()
	if !ok {
		return fmt.Errorf("weights: tensor %q: shape %s is not static", key, d)
	}
	if !d.DType.IsWebNN() {
		return fmt.Errorf("weights: tensor %q: data type %s is not a WebNN operand type", key, d.DType)
	}
	if want := d.ByteLength(); !d.DataLenOK(int64(len(data))) {
		return fmt.Errorf("weights: tensor %q: got %d bytes, %s needs %d", key, len(data), d, want)
	}
	ent := manifest.Entry{DataType: d.DType.String(), Shape: make([]int64, len(shape)), ByteLength: int64(len(data)), Layout: "row-major"}
	for i, s := range shape {
		ent.Shape[i] = int64(s)
	}
	st, dupOf, err := w.findDup(data, release)
	if err != nil {
		w.err = err
		return err
	}
	if dupOf >= 0 {
		ent.ByteOffset = w.stored[dupOf].off
		w.man.Tensors[key] = ent
		return nil
	}
	if pad := (Alignment - w.off%Alignment) % Alignment; pad != 0 {
		w.h.add(hashJob{mem: zeros[:pad]})
		w.write(zeros[:pad])
	}
	ent.ByteOffset = w.off
	copied := false
	if len(data) > smallCopy && w.src != nil && !w.noCopy {
		if f, off, ok := w.src.FileRange(data); ok {
			copied = w.copyHashed(data, f, off, release)
		}
	}
	if !copied {
		w.writeHashed(data, release)
	}
	if w.err != nil {
		return w.err
	}
	st.off, st.n = ent.ByteOffset, ent.ByteLength
	w.index(st, data)
	w.man.Tensors[key] = ent
	return nil
}

// fullHash hashes n and every byte of data, releasing pieces as it goes.
func (w *Writer) fullHash(data []byte, release func([]byte)) uint64 {
	var mh maphash.Hash
	mh.SetSeed(w.seed)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(data)))
	mh.Write(n[:])
	for off := 0; off < len(data); off += chunkSize {
		piece := data[off:min(len(data), off+chunkSize)]
		mh.Write(piece)
		if release != nil && len(data) > smallCopy {
			release(piece)
		}
	}
	return mh.Sum64()
}

// sampleHash hashes n and a few spread pieces of data (len(data) >
// sampleAll): equal tensors have equal samples; distinct ones almost never.
func (w *Writer) sampleHash(data []byte) uint64 {
	var mh maphash.Hash
	mh.SetSeed(w.seed)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(data)))
	mh.Write(n[:])
	const piece, pieces = 1024, 16
	for i := 0; i < pieces; i++ {
		at := (len(data) - piece) / (pieces - 1) * i
		mh.Write(data[at : at+piece])
	}
	return mh.Sum64()
}

// findDup returns the index of a stored tensor holding data's bytes, or
// -1 and what index needs to store data. Each stored tensor is hashed
// whole at most once (read back from the file), so no input makes this
// quadratic in bytes.
func (w *Writer) findDup(data []byte, release func([]byte)) (stored, int, error) {
	var st stored
	if len(data) <= smallCopy {
		st.full, st.hasFull = w.fullHash(data, nil), true
	} else {
		sk := w.sampleHash(data)
		if cand := w.bySample[sk]; len(cand) > 0 || w.promoted[sk] {
			// A sample collides: hash the stored ones with this sample
			// whole (once each), and this one.
			for _, i := range cand {
				fh, err := w.fileHash(w.stored[i].off, w.stored[i].n)
				if err != nil {
					return st, -1, err
				}
				w.stored[i].full, w.stored[i].hasFull = fh, true
				w.byFull[fh] = append(w.byFull[fh], i)
			}
			delete(w.bySample, sk)
			w.promoted[sk] = true
			st.full, st.hasFull = w.fullHash(data, release), true
		} else {
			st.full = sk // the sample key, until promoted
		}
	}
	if !st.hasFull {
		return st, -1, nil
	}
	for _, i := range w.byFull[st.full] {
		s := w.stored[i]
		if s.n != int64(len(data)) {
			continue
		}
		same, err := w.sameAs(s, data)
		if err != nil {
			return st, -1, err
		}
		if same {
			return st, i, nil
		}
	}
	return st, -1, nil
}

// index records a stored tensor for deduplication.
func (w *Writer) index(st stored, data []byte) {
	i := len(w.stored)
	w.stored = append(w.stored, st)
	if st.hasFull {
		w.byFull[st.full] = append(w.byFull[st.full], i)
	} else {
		w.bySample[st.full] = append(w.bySample[st.full], i)
	}
}

// fileHash is fullHash of n bytes already written at off, read back.
func (w *Writer) fileHash(off, n int64) (uint64, error) {
	if err := w.buf.Flush(); err != nil {
		return 0, fmt.Errorf("weights: writing %s: %w", w.path, err)
	}
	var mh maphash.Hash
	mh.SetSeed(w.seed)
	var nb [8]byte
	binary.LittleEndian.PutUint64(nb[:], uint64(n))
	mh.Write(nb[:])
	chunk := w.readBuf()
	for done := int64(0); done < n; {
		k := min(int64(len(chunk)), n-done)
		if _, err := w.f.ReadAt(chunk[:k], off+done); err != nil {
			return 0, fmt.Errorf("weights: reading back %s: %w", w.path, err)
		}
		mh.Write(chunk[:k])
		done += k
	}
	return mh.Sum64(), nil
}

func (w *Writer) readBuf() []byte {
	if w.scratch == nil {
		w.scratch = make([]byte, 64<<10)
	}
	return w.scratch
}

// sameAs compares data with bytes already written, reading them back in
// chunks (only tensors whose whole-content hashes are equal get here; the
// file is never buffered whole).
func (w *Writer) sameAs(s stored, data []byte) (bool, error) {
	if err := w.buf.Flush(); err != nil {
		return false, fmt.Errorf("weights: writing %s: %w", w.path, err)
	}
	chunk := w.readBuf()
	for done := int64(0); done < s.n; {
		n := min(int64(len(chunk)), s.n-done)
		if _, err := w.f.ReadAt(chunk[:n], s.off+done); err != nil && err != io.EOF {
			return false, fmt.Errorf("weights: reading back %s: %w", w.path, err)
		}
		if !bytes.Equal(chunk[:n], data[done:done+n]) {
			return false, nil
		}
		done += n
	}
	return true, nil
}

// Digest is the hex SHA-256 of the bytes from DataStart to the end, once
// Finish has succeeded (what the header holds and a manifest pins).
func (w *Writer) Digest() string { return hex.EncodeToString(w.sum) }

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.off }

// Finish flushes, syncs and closes the file and returns the manifest.
func (w *Writer) Finish() (*manifest.Manifest, error) {
	if w.done {
		return nil, errors.New("weights: Finish called twice")
	}
	w.done = true
	err := w.err
	if err == nil {
		err = w.buf.Flush()
	}
	sum := w.h.finish()
	if err == nil {
		err = w.checkSources()
	}
	if err == nil {
		w.sum = sum
		if _, err = w.f.WriteAt(w.sum, DigestOffset); err == nil {
			err = w.f.Sync()
		}
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("weights: writing %s: %w", w.path, err)
	}
	w.finished = true
	return w.man, nil
}

// Abort closes the partly written file and, when NewWriter created it,
// removes it; after Finish succeeded it does nothing, so a caller may defer
// it (the hashing goroutine reads the caller's data, which must outlive it:
// a deferred Abort stops it on every way out, panics included).
func (w *Writer) Abort() error {
	if w.finished {
		return nil
	}
	if !w.done {
		w.done = true
		w.h.stop()
		w.f.Close()
	}
	if !w.ownsPath {
		return nil
	}
	return os.Remove(w.path)
}
