package tensor

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/atomicdir"
	"github.com/webnn-graph/webnn-graph/internal/confine"
)

// ReadNPZ reads every array of a .npz archive (numpy.savez, stored
// entries, or numpy.savez_compressed, deflated entries). Keys are the
// entry names without ".npy"; order lists them as stored in the archive.
func ReadNPZ(path string) (map[string]*Tensor, []string, error) {
	f, err := confine.OpenRegular(path)
	if err != nil {
		return nil, nil, fmt.Errorf("npz: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("npz: %v", err)
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("npz: %s: %v", path, err)
	}
	out := make(map[string]*Tensor, len(zr.File))
	order := make([]string, 0, len(zr.File))
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		key := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := out[key]; dup {
			return nil, nil, fmt.Errorf("npz: %s: array %q stored twice", path, key)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, nil, fmt.Errorf("npz: %s: %s: %v", path, f.Name, err)
		}
		t, err := ReadNPY(&entryReader{r: rc, left: entrySize(f)})
		rc.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("npz: %s: %s: %v", path, f.Name, err)
		}
		out[key] = t
		order = append(order, key)
	}
	return out, order, nil
}

// WriteNPZ writes the tensors named in names, in that order, as an
// uncompressed .npz archive (what numpy.savez writes). The file is
// written under a temporary name and renamed into place
// (atomicdir.CreateFile: unpredictable, created O_EXCL, a killed writer's
// temporary cleared by the next), so a failure leaves no partial file and
// a link at path is replaced, never written through.
func WriteNPZ(path string, names []string, ts map[string]*Tensor) error {
	tmp, err := atomicdir.CreateFile(path)
	if err != nil {
		return fmt.Errorf("npz: %v", err)
	}
	defer tmp.Abort() // a no-op once committed
	bw := bufio.NewWriterSize(tmp, 1<<20)
	zw := zip.NewWriter(bw)
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		t, ok := ts[name]
		if !ok || t == nil {
			return fmt.Errorf("npz: %s: no tensor for %q", path, name)
		}
		if seen[name] {
			return fmt.Errorf("npz: %s: name %q given twice", path, name)
		}
		seen[name] = true
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return fmt.Errorf("npz: %s: %v", path, err)
		}
		if err := WriteNPY(w, t); err != nil {
			return fmt.Errorf("npz: %s: %s: %v", path, name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("npz: %s: %v", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("npz: %s: %v", path, err)
	}
	if err := tmp.Commit(); err != nil {
		return fmt.Errorf("npz: %v", err)
	}
	return nil
}

// entrySize is an upper bound of what entry f can really hold: the
// declared size, capped by what its compressed bytes can expand to
// (deflate's best ratio is about 1032:1), so a corrupt or hostile
// header cannot make ReadNPY allocate memory the archive does not back.
func entrySize(f *zip.File) int64 {
	size := f.UncompressedSize64
	limit := f.CompressedSize64
	if f.Method != zip.Store {
		limit = limit*1040 + 1024
	}
	return int64(min(size, limit, 1<<62))
}

// entryReader tells ReadNPY how many bytes a zip entry holds, so that a
// header claiming more data than the entry has is refused before any
// allocation. archive/zip checks the size while reading.
type entryReader struct {
	r    io.Reader
	left int64
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	return n, err
}

func (e *entryReader) Len() int { return int(max(e.left, 0)) }
