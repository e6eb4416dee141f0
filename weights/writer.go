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
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
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
type Writer struct {
	path   string
	f      *os.File
	digest hash.Hash // of every byte from DataStart on
	buf    *bufio.Writer
	off    int64 // bytes written so far (file size once flushed)
	seed   maphash.Seed
	byHash map[uint64][]stored
	man    *manifest.Manifest
	err    error // sticky
	done   bool
	sum    []byte // the digest, set by Finish
	// ownsPath: Abort removes path (NewWriter created it).
	ownsPath bool
}

type stored struct{ off, n int64 }

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
		byHash: map[uint64][]stored{}, man: manifest.New(), digest: sha256.New()}
	var hdr [DataStart]byte
	copy(hdr[:], Magic)
	binary.LittleEndian.PutUint32(hdr[4:], Version)
	w.write(hdr[:])
	if w.err != nil {
		f.Close()
		return nil, w.err
	}
	return w, nil
}

func (w *Writer) write(p []byte) {
	if w.err != nil {
		return
	}
	if w.off >= DataStart {
		w.digest.Write(p)
	}
	n, err := w.buf.Write(p)
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("weights: writing %s: %w", w.path, err)
	}
}

// writeHashed writes data while a second goroutine hashes it, piece by
// piece: piece i is written as piece i-1 is hashed, and released once both
// are done with it.
func (w *Writer) writeHashed(data []byte, release func([]byte)) {
	if len(data) <= chunkSize || w.off < DataStart {
		w.write(data)
		if release != nil {
			release(data)
		}
		return
	}
	type job struct {
		piece []byte
		done  chan struct{}
	}
	jobs := make(chan job, 2)
	go func() {
		for j := range jobs {
			w.digest.Write(j.piece)
			close(j.done)
		}
	}()
	var prev *job
	for off := 0; off < len(data) && w.err == nil; off += chunkSize {
		j := job{data[off:min(len(data), off+chunkSize)], make(chan struct{})}
		jobs <- j
		n, err := w.buf.Write(j.piece)
		w.off += int64(n)
		if err != nil {
			w.err = fmt.Errorf("weights: writing %s: %w", w.path, err)
		}
		if prev != nil {
			<-prev.done
			if release != nil {
				release(prev.piece)
			}
		}
		prev = &j
	}
	close(jobs)
	if prev != nil {
		<-prev.done
		if release != nil {
			release(prev.piece)
		}
	}
}

var zeros [Alignment]byte

// Add appends one tensor under key. len(data) must equal d.ByteLength();
// d must be static. A key may be added only once.
func (w *Writer) Add(key string, d graph.Desc, data []byte) error {
	return w.AddReleasing(key, d, data, nil)
}

// chunkSize is the unit in which a tensor's bytes are hashed, written and
// handed to the release callback.
const chunkSize = 4 << 20

// AddReleasing is Add for data that lies in mapped pages the caller wants
// to drop as soon as they are written: release is called with consecutive
// pieces of data (4 MiB at most) once they are no longer needed, so a
// conversion's resident memory stays near a few pieces instead of its
// largest tensor. The file's SHA-256 is computed on a second core while
// the bytes are written. data must not change until AddReleasing returns.
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
	// The dedup hash reads the bytes once before they are written (a
	// repeated tensor is not written again); pieces are released as it goes.
	var mh maphash.Hash
	mh.SetSeed(w.seed)
	for off := 0; off < len(data); off += chunkSize {
		piece := data[off:min(len(data), off+chunkSize)]
		mh.Write(piece)
		if release != nil && len(data) > chunkSize {
			release(piece)
		}
	}
	h := mh.Sum64()
	for _, s := range w.byHash[h] {
		if s.n != int64(len(data)) {
			continue
		}
		same, err := w.sameAs(s, data)
		if err != nil {
			w.err = err
			return err
		}
		if same {
			ent.ByteOffset = s.off
			w.man.Tensors[key] = ent
			return nil
		}
	}
	if pad := (Alignment - w.off%Alignment) % Alignment; pad != 0 {
		w.write(zeros[:pad])
	}
	ent.ByteOffset = w.off
	w.writeHashed(data, release)
	if w.err != nil {
		return w.err
	}
	w.byHash[h] = append(w.byHash[h], stored{ent.ByteOffset, ent.ByteLength})
	w.man.Tensors[key] = ent
	return nil
}

// sameAs compares data with bytes already written, reading them back in
// chunks (hash collisions are rare; the file is never buffered whole).
func (w *Writer) sameAs(s stored, data []byte) (bool, error) {
	if err := w.buf.Flush(); err != nil {
		return false, fmt.Errorf("weights: writing %s: %w", w.path, err)
	}
	var chunk [64 << 10]byte
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
		if err = w.buf.Flush(); err == nil {
			w.sum = w.digest.Sum(nil)
			if _, err = w.f.WriteAt(w.sum, DigestOffset); err == nil {
				err = w.f.Sync()
			}
		}
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("weights: writing %s: %w", w.path, err)
	}
	return w.man, nil
}

// Abort closes the partly written file and, when NewWriter created it,
// removes it.
func (w *Writer) Abort() error {
	if !w.done {
		w.done = true
		w.f.Close()
	}
	if !w.ownsPath {
		return nil
	}
	return os.Remove(w.path)
}
