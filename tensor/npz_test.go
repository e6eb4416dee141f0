package tensor

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// TestNPZRoundTrip writes every data type to an .npz and reads it back.
func TestNPZRoundTrip(t *testing.T) {
	ts := map[string]*Tensor{}
	var names []string
	for i, tt := range allDTypes() {
		name := fmt.Sprintf("in.%s_%d", tt.DType, i)
		names = append(names, name)
		ts[name] = tt
	}
	path := filepath.Join(t.TempDir(), "x.npz")
	if err := WriteNPZ(path, names, ts); err != nil {
		t.Fatal(err)
	}
	got, order, err := ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(order, names) {
		t.Errorf("order = %v, want %v", order, names)
	}
	for _, name := range names {
		want, g := ts[name], got[name]
		if g == nil || g.DType != want.DType || !reflect.DeepEqual(g.Shape, want.Shape) && !(len(g.Shape) == 0 && len(want.Shape) == 0) || !reflect.DeepEqual(g.Data, want.Data) {
			t.Errorf("%s: got %v %#v, want %v %#v", name, g, g.Data, want, want.Data)
		}
	}
}

// TestReadNPZDeflate reads an archive with deflated entries, as
// numpy.savez_compressed writes them.
func TestReadNPZDeflate(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "out.y.npy", Method: zip.Deflate})
	w.Write(npyBytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", []byte{7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0}))
	zw.Close()
	path := filepath.Join(t.TempDir(), "c.npz")
	os.WriteFile(path, buf.Bytes(), 0o644)
	ts, keys, err := ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(keys, []string{"out.y"}) || !reflect.DeepEqual(ts["out.y"].Data, []int64{7, 9}) {
		t.Errorf("got %v %v", keys, ts["out.y"].Data)
	}
	os.WriteFile(path, []byte("not a zip"), 0o644)
	if _, _, err := ReadNPZ(path); err == nil || !strings.Contains(err.Error(), "c.npz") {
		t.Errorf("ReadNPZ(garbage) = %v, want an error naming the file", err)
	}
}

// TestReadZooNPZ reads every reference case of the zoo and checks its
// keys (in.<input>, out.<output>) and the types the models declare.
func TestReadZooNPZ(t *testing.T) {
	zoo := testenv.Shared(t, "zoo")
	files, _ := filepath.Glob(filepath.Join(zoo, "*", "cases", "*.npz"))
	if len(files) == 0 {
		t.Skip("no zoo cases")
	}
	wantType := map[string]DType{
		"in.input_ids": Int64, "in.attention_mask": Int64, "in.position_ids": Int64, "in.token_type_ids": Int64,
		"in.input": Float32, "out.logits": Float32, "out.last_hidden_state": Float32, "out.output": Float32,
	}
	read, arrays := 0, 0
	for _, f := range files {
		ts, keys, err := ReadNPZ(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		read++
		if len(keys) == 0 {
			t.Errorf("%s: no arrays", f)
		}
		for _, k := range keys {
			arrays++
			if !strings.HasPrefix(k, "in.") && !strings.HasPrefix(k, "out.") {
				t.Errorf("%s: key %q is neither in.* nor out.*", f, k)
			}
			if want, ok := wantType[k]; ok && ts[k].DType != want {
				t.Errorf("%s: %s is %v, want %v", f, k, ts[k].DType, want)
			}
			if strings.Contains(k, "past_key_values") || strings.Contains(k, "present") {
				if ts[k].DType != Float32 && ts[k].DType != Float16 {
					t.Errorf("%s: %s is %v", f, k, ts[k].DType)
				}
			}
		}
	}
	testenv.Report("npz-zoo: %d passed, %d failed, 0 skipped (%d arrays)", read, len(files)-read, arrays)
}
