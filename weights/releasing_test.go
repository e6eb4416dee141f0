package weights

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// AddReleasing writes the same file as Add (the digest computed beside the
// writes) and hands back every byte it read, once per pass: the written
// tensors once (written from memory: no CopyFrom), the repeat once (hashed
// whole when its sample collides, then found equal and not written).
func TestAddReleasing(t *testing.T) {
	big := make([]byte, 3*chunkSize+12345)
	for i := range big {
		big[i] = byte(i * 7)
	}
	small := []byte{1, 2, 3, 4}
	desc := func(n int) graph.Desc {
		return graph.Desc{DType: tensor.Uint8, Shape: []graph.Dim{graph.Static(int64(n))}}
	}
	var digests []string
	for _, releasing := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "model.weights")
		w, err := NewWriter(path)
		if err != nil {
			t.Fatal(err)
		}
		var released int
		rel := func(p []byte) { released += len(p) }
		for i, d := range [][]byte{small, big, big} {
			key := fmt.Sprint("t", i)
			if releasing {
				err = w.AddReleasing(key, desc(len(d)), d, rel)
			} else {
				err = w.Add(key, desc(len(d)), d)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Finish(); err != nil {
			t.Fatal(err)
		}
		if releasing && released != len(small)+2*len(big) {
			t.Errorf("released %d bytes, want %d", released, len(small)+2*len(big))
		}
		digests = append(digests, w.Digest())
	}
	if digests[0] != digests[1] {
		t.Errorf("digest %s with AddReleasing, %s with Add", digests[1], digests[0])
	}
}
