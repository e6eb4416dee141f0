package weights

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/internal/jsonkeys"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// SafeTensors: rustnn's newer loaders (and pywebnn 0.5.12's resolver,
// webnn-graph external_weights) read the constants of model.webnn from
// model.safetensors instead of model.weights + manifest.json. The format:
//
//	u64 LE N | N bytes of JSON header (padded with spaces) | data
//
// The header maps each tensor name to {"dtype", "shape", "data_offsets":
// [begin, end]} (offsets relative to the data), plus an optional
// "__metadata__" object of strings. Tensors are contiguous, without holes
// or overlaps. Names are the graph's @weights refs; rustnn looks a ref up
// exactly, then with "::"→"__" and "."→"_".

// safetensorsDTypes maps WebNN data types to SafeTensors dtypes. int4 and
// uint4 have none: rustnn 0.5.12 refuses both the nibble-packed U8 form
// and one U8 per element for a 4-bit constant (shape or dtype mismatch).
var safetensorsDTypes = map[tensor.DType]string{
	tensor.Float32: "F32", tensor.Float16: "F16", tensor.Int32: "I32", tensor.Uint32: "U32",
	tensor.Int64: "I64", tensor.Uint64: "U64", tensor.Int8: "I8", tensor.Uint8: "U8",
}

// SafetensorsDType returns the SafeTensors dtype of a WebNN type.
func SafetensorsDType(dt tensor.DType) (string, bool) {
	s, ok := safetensorsDTypes[dt]
	return s, ok
}

// Tensor is one tensor to write, its bytes read lazily.
type Tensor struct {
	Key  string
	Desc graph.Desc
	Data func() ([]byte, error)
}

// maxSafetensorsHeader bounds the JSON header read (100 MB, as the
// reference implementation does).
const maxSafetensorsHeader = 100 << 20

// WriteSafetensors streams ts (keys unique, in the given order) to w and
// returns the bytes written. The header is computed from the descriptors
// first, so no tensor is held in memory longer than its own write.
func WriteSafetensors(w io.Writer, ts []Tensor, meta map[string]string) (int64, error) {
	type entry struct {
		DType   string   `json:"dtype"`
		Shape   []int64  `json:"shape"`
		Offsets [2]int64 `json:"data_offsets"`
	}
	hdr := map[string]any{}
	if len(meta) > 0 {
		hdr["__metadata__"] = meta
	}
	var off int64
	for _, t := range ts {
		if _, dup := hdr[t.Key]; dup || t.Key == "__metadata__" || t.Key == "" {
			return 0, fmt.Errorf("safetensors: tensor key %q is empty, reserved or repeated", t.Key)
		}
		dt, ok := SafetensorsDType(t.Desc.DType)
		if !ok {
			return 0, fmt.Errorf("safetensors: tensor %q is %s, which SafeTensors cannot hold for rustnn (4-bit constants need --weights-format webnn)", t.Key, t.Desc.DType)
		}
		shape, ok := t.Desc.StaticShape()
		if !ok {
			return 0, fmt.Errorf("safetensors: tensor %q has a dynamic shape", t.Key)
		}
		e := entry{DType: dt, Shape: make([]int64, len(shape)), Offsets: [2]int64{off, off + t.Desc.ByteLength()}}
		for i, s := range shape {
			e.Shape[i] = int64(s)
		}
		hdr[t.Key] = e
		off += t.Desc.ByteLength()
	}
	js, err := json.Marshal(hdr) // keys sorted
	if err != nil {
		return 0, err
	}
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, strings.Repeat(" ", pad)...)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	var lenb [8]byte
	binary.LittleEndian.PutUint64(lenb[:], uint64(len(js)))
	for _, b := range [][]byte{lenb[:], js} {
		k, err := bw.Write(b)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	for _, t := range ts {
		data, err := t.Data()
		if err != nil {
			return n, fmt.Errorf("safetensors: reading %q: %w", t.Key, err)
		}
		if int64(len(data)) != t.Desc.ByteLength() {
			return n, fmt.Errorf("safetensors: tensor %q: got %d bytes, %s needs %d", t.Key, len(data), t.Desc, t.Desc.ByteLength())
		}
		k, err := bw.Write(data)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// parseSafetensors reads the header of a SafeTensors file of size bytes
// whose first bytes are head (at least the 8-byte length and the header)
// into a manifest with absolute offsets, checking every entry: known
// dtype, byte length = numel × size, inside the data, no overlaps.
func parseSafetensors(head []byte, size int64, path string) (*manifest.Manifest, error) {
	if len(head) < 8 {
		return nil, fmt.Errorf("safetensors: %s: %d bytes, too short for a header", path, size)
	}
	n := binary.LittleEndian.Uint64(head[:8])
	if n > maxSafetensorsHeader || int64(n) > size-8 || int64(len(head)) < 8+int64(n) {
		return nil, fmt.Errorf("safetensors: %s: header length %d does not fit the file (%d bytes)", path, n, size)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("safetensors: %s: header: %v", path, err)
	}
	if err := jsonkeys.Unique(head[8 : 8+n]); err != nil {
		return nil, fmt.Errorf("safetensors: %s: header: %v", path, err)
	}
	base := 8 + int64(n)
	m := manifest.New()
	type span struct {
		b, e int64
		name string
	}
	var spans []span
	for name, r := range raw {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			DType   string  `json:"dtype"`
			Shape   []int64 `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: %v", path, name, err)
		}
		var dt tensor.DType
		for d, s := range safetensorsDTypes {
			if s == e.DType {
				dt = d
			}
		}
		if dt == tensor.Undefined {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: dtype %q is not one a WebNN constant can take", path, name, e.DType)
		}
		if len(e.Offsets) != 2 || e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] || e.Offsets[1] > size-base {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: data_offsets %v lie outside the data (%d bytes)", path, name, e.Offsets, size-base)
		}
		// The byte size is checked, not only the element count: [2^62]
		// float32 is 2^64 bytes, which wrapped to 0 and matched an empty
		// data range (run then viewed 2^62 floats over no bytes).
		numel, ok := checked.Product(e.Shape)
		want, ok2 := checked.Mul(numel, int64(dt.Size()))
		if !ok || !ok2 {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: shape %v is invalid (a negative dim, or its byte size overflows int64)", path, name, e.Shape)
		}
		if e.Offsets[1]-e.Offsets[0] != want {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: %d bytes, %s%v needs %d", path, name, e.Offsets[1]-e.Offsets[0], dt, e.Shape, want)
		}
		m.Tensors[name] = manifest.Entry{DataType: dt.String(), Shape: e.Shape, ByteOffset: base + e.Offsets[0], ByteLength: e.Offsets[1] - e.Offsets[0], Layout: "row-major"}
		spans = append(spans, span{e.Offsets[0], e.Offsets[1], name})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].b < spans[j].b })
	for i := 1; i < len(spans); i++ {
		if spans[i].b < spans[i-1].e {
			return nil, fmt.Errorf("safetensors: %s: tensors %q and %q overlap", path, spans[i-1].name, spans[i].name)
		}
	}
	return m, nil
}

// OpenSafetensors maps a SafeTensors file as a Store: its header becomes
// the manifest (absolute offsets), so a tensor's bytes are a slice of the
// mapping as with model.weights.
func OpenSafetensors(path string) (*Store, error) {
	f, err := confine.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer f.Close()
	return openSafetensorsFile(f, path)
}

func openSafetensorsFile(f *os.File, path string) (*Store, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	size := st.Size()
	if int64(int(size)) != size {
		return nil, fmt.Errorf("weights: %s is too large to map", path)
	}
	s := &Store{WeightsPath: path, ManifestPath: path}
	if size > 0 {
		b, mapped, err := mapFile(f, int(size))
		if err != nil {
			return nil, fmt.Errorf("weights: mapping %s: %w", path, err)
		}
		s.data, s.mapped = b, mapped
	}
	m, err := parseSafetensors(s.data, size, path)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Manifest = m
	return s, nil
}
