package weights

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// fileSource locates slices of src (the bytes of f) in f, as
// onnxpb.Model.FileRange does for its mappings.
type fileSource struct {
	f   *os.File
	src []byte
}

func (s fileSource) FileRange(b []byte) (*os.File, int64, bool) {
	if len(b) == 0 {
		return nil, 0, false
	}
	lo, p := uintptr(unsafe.Pointer(&s.src[0])), uintptr(unsafe.Pointer(&b[0]))
	if p < lo || p+uintptr(len(b)) > lo+uintptr(len(s.src)) {
		return nil, 0, false
	}
	return s.f, int64(p - lo), true
}

// Tensors copied file to file (CopyFrom) give the very file writing them
// from memory gives: same bytes, same digest (hashed from what the file
// holds), same manifest; deduplication works across copied tensors,
// including tensors whose samples agree and whose middles differ.
func TestCopyFrom(t *testing.T) {
	const n = 300 << 10 // > smallCopy: copied and sampled
	src := make([]byte, 6*n+chunkSize+4096)
	for i := range src {
		src[i] = byte(i*131 + i>>11)
	}
	a := src[100 : 100+n]
	b := src[n+100 : 2*n+100]
	copy(b, a)
	b[n/2+7] ^= 1 // same samples as a (the middle byte is sampled by no piece), other bytes
	c := src[3*n : 4*n]
	copy(c, a) // equal to a: stored once
	huge := src[4*n : 4*n+chunkSize+12345]
	small := src[10:20]
	path := filepath.Join(t.TempDir(), "source.data")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	type add struct {
		key  string
		data []byte
	}
	adds := []add{{"small", small}, {"a", a}, {"b", b}, {"c", c}, {"huge", huge}, {"a_again", a}}
	var digests, manifests []string
	for _, src := range []Source{nil, fileSource{f, src}} {
		wp := filepath.Join(t.TempDir(), "model.weights")
		w, err := NewWriter(wp)
		if err != nil {
			t.Fatal(err)
		}
		if src != nil {
			w.CopyFrom(src)
		}
		for _, ad := range adds {
			if err := w.Add(ad.key, desc(tensor.Uint8, int64(len(ad.data))), ad.data); err != nil {
				t.Fatal(err)
			}
		}
		if src != nil && runtime.GOOS == "linux" && w.noCopy {
			t.Error("copy_file_range refused a regular file on the same file system")
		}
		man, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if man.Tensors["c"].ByteOffset != man.Tensors["a"].ByteOffset || man.Tensors["a_again"].ByteOffset != man.Tensors["a"].ByteOffset {
			t.Errorf("copy=%v: equal tensors not shared: %+v", src != nil, man.Tensors)
		}
		if man.Tensors["b"].ByteOffset == man.Tensors["a"].ByteOffset {
			t.Errorf("copy=%v: tensors with equal samples and other bytes shared an offset", src != nil)
		}
		file, err := os.ReadFile(wp)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(file[DataStart:])
		if got := hex.EncodeToString(sum[:]); got != w.Digest() {
			t.Errorf("copy=%v: digest %s, the file's bytes hash to %s", src != nil, w.Digest(), got)
		}
		for _, ad := range adds {
			e := man.Tensors[ad.key]
			if !bytes.Equal(file[e.ByteOffset:e.ByteOffset+e.ByteLength], ad.data) {
				t.Errorf("copy=%v: tensor %s: bytes differ", src != nil, ad.key)
			}
		}
		digests = append(digests, w.Digest())
		mb, _ := man.Marshal()
		manifests = append(manifests, string(mb))
	}
	if digests[0] != digests[1] || manifests[0] != manifests[1] {
		t.Errorf("copying file to file changed the output: digest %s vs %s", digests[1], digests[0])
	}
}

// A source that cannot be copied from (here: opened write-only, so
// copy_file_range refuses it) falls back to writing from memory; a source
// file shorter than what it claims to hold fails the conversion.
func TestCopyFromFallbackAndShortSource(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 20<<10)
	dir := t.TempDir()
	path := filepath.Join(dir, "source.data")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	wo, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wo.Close()
	w, err := NewWriter(filepath.Join(dir, "fallback.weights"))
	if err != nil {
		t.Fatal(err)
	}
	w.CopyFrom(fileSource{wo, data})
	if err := w.Add("t", desc(tensor.Uint8, int64(len(data))), data); err != nil {
		t.Fatalf("write-only source: %v (want a fallback to writing from memory)", err)
	}
	if _, err := w.Finish(); err != nil {
		t.Fatal(err)
	}

	short := filepath.Join(dir, "short.data")
	if err := os.WriteFile(short, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	sf, err := os.Open(short)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	w, err = NewWriter(filepath.Join(dir, "short.weights"))
	if err != nil {
		t.Fatal(err)
	}
	w.CopyFrom(fileSource{sf, data})
	err = w.Add("t", desc(tensor.Uint8, int64(len(data))), data)
	if err == nil {
		_, err = w.Finish()
	} else {
		w.Abort()
	}
	if err == nil || !strings.Contains(err.Error(), "shorter") {
		t.Errorf("source shorter than the tensor: err = %v, want the source named short", err)
	}
}

// Many large tensors that agree on every sampled byte cost one whole-hash
// each (promoted sample key), not a comparison with every earlier one.
func TestDedupSampleCollisionsLinear(t *testing.T) {
	const n, count = 80 << 10, 200
	w, err := NewWriter(filepath.Join(t.TempDir(), "model.weights"))
	if err != nil {
		t.Fatal(err)
	}
	base := make([]byte, n)
	for i := 0; i < count; i++ {
		d := bytes.Clone(base)
		copy(d[n/2+3:], fmt.Sprint(i)) // inside no sample piece
		if err := w.Add(fmt.Sprint("t", i), desc(tensor.Uint8, n), d); err != nil {
			t.Fatal(err)
		}
	}
	man, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	offs := map[int64]bool{}
	for _, e := range man.Tensors {
		offs[e.ByteOffset] = true
	}
	if len(offs) != count {
		t.Errorf("%d distinct offsets for %d distinct tensors", len(offs), count)
	}
	if len(w.bySample) != 0 || len(w.promoted) != 1 {
		t.Errorf("sample index: %d unpromoted keys, %d promoted; want 0 and 1", len(w.bySample), len(w.promoted))
	}
}

// A source file written to after its tensor was copied fails Finish: the
// bytes were hashed from memory and copied from the file, which may then
// disagree.
func TestCopyFromSourceChanged(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 20<<10)
	dir := t.TempDir()
	path := filepath.Join(dir, "source.data")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, change := range []bool{false, true} {
		w, err := NewWriter(filepath.Join(dir, fmt.Sprint(change, ".weights")))
		if err != nil {
			t.Fatal(err)
		}
		w.CopyFrom(fileSource{f, data})
		if err := w.Add("t", desc(tensor.Uint8, int64(len(data))), data); err != nil {
			t.Fatal(err)
		}
		if change {
			time.Sleep(20 * time.Millisecond) // past the clock's coarse tick
			if _, err := f.WriteAt([]byte("X"), 5); err != nil {
				t.Fatal(err)
			}
		}
		_, err = w.Finish()
		if change != (err != nil) || (err != nil && !strings.Contains(err.Error(), "changed while")) {
			t.Errorf("source changed %v: Finish: %v", change, err)
		}
	}
}

// Abort after a successful Finish keeps the file: callers defer it.
func TestAbortAfterFinishKeepsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.weights")
	w, err := NewWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add("t", desc(tensor.Uint8, 3), []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Abort after Finish: %v", err)
	}
}
