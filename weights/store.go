package weights

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/manifest"
)

// Store is a weights file mapped read-only with its manifest. It
// implements graph.WeightSource and graph.WeightSizes.
type Store struct {
	WeightsPath  string
	ManifestPath string
	Manifest     *manifest.Manifest
	data         []byte // mmapped file (nil for an empty file)
	mapped       bool
}

// Open maps weightsPath and reads manifestPath, paths the user gave
// (links followed); every manifest entry must lie inside the file. Only
// regular files are opened, and a FIFO never blocks.
func Open(weightsPath, manifestPath string) (*Store, error) {
	mf, err := confine.OpenRegular(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer mf.Close()
	wf, err := confine.OpenRegular(weightsPath)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer wf.Close()
	return openFiles(wf, weightsPath, mf, manifestPath)
}

// openFiles reads the opened manifest and maps the opened weights file.
func openFiles(wf *os.File, weightsPath string, mf *os.File, manifestPath string) (*Store, error) {
	data, err := confine.ReadAll(mf, manifestPath, maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", manifestPath, err)
	}
	st, err := wf.Stat()
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	size := st.Size()
	if err := m.Check(size); err != nil {
		return nil, fmt.Errorf("%s: %w (weights file %s)", manifestPath, err, weightsPath)
	}
	s := &Store{WeightsPath: weightsPath, ManifestPath: manifestPath, Manifest: m}
	if size > 0 {
		if int64(int(size)) != size {
			return nil, fmt.Errorf("weights: %s is too large to map", weightsPath)
		}
		b, mapped, err := mapFile(wf, int(size))
		if err != nil {
			return nil, fmt.Errorf("weights: mapping %s: %w", weightsPath, err)
		}
		s.data, s.mapped = b, mapped
	}
	if err := s.checkHeader(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkHeader refuses a file that starts with the WGWT magic but whose
// header is not one this package writes (a headerless blob, as Rust
// webnn-graph's convert-onnx writes, has no magic and is read as is).
func (s *Store) checkHeader() error {
	if len(s.data) < len(Magic) || string(s.data[:len(Magic)]) != Magic {
		if s.Manifest != nil && s.Manifest.Files != nil {
			if _, pinned := s.Manifest.Files[filepath.Base(s.WeightsPath)]; pinned {
				return fmt.Errorf("weights: %s: no WGWT header, but %s pins a file written with one", s.WeightsPath, s.ManifestPath)
			}
		}
		return nil
	}
	if len(s.data) < HeaderSize {
		return fmt.Errorf("weights: %s: corrupt WGWT header: %d bytes, want at least %d", s.WeightsPath, len(s.data), HeaderSize)
	}
	if v := binary.LittleEndian.Uint32(s.data[len(Magic):HeaderSize]); v != Version {
		return fmt.Errorf("weights: %s: corrupt WGWT header: version %d (want %d)", s.WeightsPath, v, Version)
	}
	for _, e := range s.Manifest.Tensors {
		if e.ByteLength > 0 && e.ByteOffset < HeaderSize {
			return fmt.Errorf("weights: %s: manifest entry at byte %d overlaps the WGWT header", s.WeightsPath, e.ByteOffset)
		}
	}
	return nil
}

// HeaderDigest is the SHA-256 a WGWT header records for the bytes from
// DataStart on (hex), or "" when the file has none.
func (s *Store) HeaderDigest() string {
	if len(s.data) < DataStart || string(s.data[:len(Magic)]) != Magic {
		return ""
	}
	d := s.data[DigestOffset : DigestOffset+sha256.Size]
	if bytes.Equal(d, make([]byte, sha256.Size)) {
		return ""
	}
	return hex.EncodeToString(d)
}

// CheckPin reports whether the file is the one pin describes: its size,
// and the digest its header records (a file from another conversion, or
// one a crash left half-replaced, differs in one or the other).
func (s *Store) CheckPin(pin manifest.FilePin) error {
	if int64(len(s.data)) != pin.ByteLength {
		return fmt.Errorf("%s is %d bytes, %s describes one of %d", s.WeightsPath, len(s.data), s.ManifestPath, pin.ByteLength)
	}
	if s.isSafetensors() {
		return nil // no header digest: its content is checked whole by VerifyPin
	}
	if d := s.HeaderDigest(); d != pin.SHA256 {
		return fmt.Errorf("%s is not the weights file %s describes (SHA-256 %s in its header, %s pinned)", s.WeightsPath, s.ManifestPath, short(d), short(pin.SHA256))
	}
	return nil
}

func (s *Store) isSafetensors() bool { return strings.HasSuffix(s.WeightsPath, ".safetensors") }

// VerifyPin hashes a SafeTensors file whole against the SHA-256 its
// manifest pins (the format records no digest of its own); other files
// are checked by VerifyDigest.
func (s *Store) VerifyPin(pin manifest.FilePin) error {
	if !s.isSafetensors() || pin.SHA256 == "" {
		return nil
	}
	sum := sha256.Sum256(s.data)
	if got := hex.EncodeToString(sum[:]); got != pin.SHA256 {
		return fmt.Errorf("weights: %s: content SHA-256 %s is not the %s %s pins (corrupt or another conversion's file)", s.WeightsPath, short(got), short(pin.SHA256), s.ManifestPath)
	}
	return nil
}

// VerifyDigest hashes the data and checks it against the header's digest
// (a file without one passes).
func (s *Store) VerifyDigest() error {
	d := s.HeaderDigest()
	if d == "" {
		return nil
	}
	sum := sha256.Sum256(s.data[DataStart:])
	if got := hex.EncodeToString(sum[:]); got != d {
		return fmt.Errorf("weights: %s: content SHA-256 %s does not match its header's %s (corrupt file)", s.WeightsPath, short(got), short(d))
	}
	return nil
}

func short(hexDigest string) string {
	if hexDigest == "" {
		return "(none)"
	}
	return hexDigest[:min(12, len(hexDigest))]
}

// maxManifestBytes bounds a manifest.json read whole: 256 MiB is millions
// of entries, far beyond any model.
const maxManifestBytes = 256 << 20

// ErrNoneBeside is OpenBeside's error when no weights file lies beside the
// graph (a graph without @weights constants needs none).
var ErrNoneBeside = errors.New("no weights file beside")

// OpenBeside finds the weights file and manifest next to a graph file the
// way rustnn/pywebnn do (webnn-graph external_weights): weights
// {stem}.weights, then model.weights; manifest {stem}.manifest.json, then
// manifest.json; a SafeTensors sidecar ({stem}.safetensors before
// {stem}.weights, model.safetensors before model.weights, as rustnn
// resolves them) is read through its own header.
//
// Both files belong to the graph's directory: links are followed, but a
// file whose real path leaves the directory (or the directories in allow,
// --allow-external-path) is refused, as is anything but a regular file.
func OpenBeside(graphPath string, allow ...string) (*Store, error) {
	dir := filepath.Dir(graphPath)
	root, err := confine.NewRoot(dir, allow...)
	if err != nil {
		return nil, fmt.Errorf("weights: the directory of %s: %w", graphPath, err)
	}
	stem := strings.TrimSuffix(filepath.Base(graphPath), filepath.Ext(graphPath))
	first := func(names ...string) string {
		for _, n := range names {
			if root.Exists(n) {
				return n
			}
		}
		return ""
	}
	// rustnn's order: {stem}.safetensors, {stem}.weights,
	// model.safetensors, model.weights; a .safetensors file carries its
	// own index (a manifest.json beside it only pins the set and names).
	wn := first(stem+".safetensors", stem+".weights", "model.safetensors", "model.weights")
	if strings.HasSuffix(wn, ".safetensors") {
		wf, err := root.Open(wn)
		if err != nil {
			return nil, fmt.Errorf("weights beside %s: %w", graphPath, err)
		}
		defer wf.Close()
		s, err := openSafetensorsFile(wf, filepath.Join(dir, wn))
		if err != nil {
			return nil, err
		}
		if mn := first(stem+".manifest.json", "manifest.json"); mn != "" {
			// The manifest of the set (pins, ONNX names): one that cannot
			// be read is an error, not ignored (the names and the pins
			// would be silently lost). A manifest with tensors describes
			// a model.weights, which the sidecar takes precedence over.
			pm, err := readManifestBeside(root, mn)
			if err != nil {
				s.Close()
				return nil, fmt.Errorf("manifest beside %s: %w", graphPath, err)
			}
			if len(pm.Tensors) == 0 {
				s.Manifest.Files, s.Manifest.ONNXNames, s.Manifest.ONNXTypes = pm.Files, pm.ONNXNames, pm.ONNXTypes
				s.ManifestPath = filepath.Join(dir, mn)
			}
		}
		return s, nil
	}
	if wn == "" {
		return nil, fmt.Errorf("weights: %w %s (looked for %s.weights, model.weights)", ErrNoneBeside, graphPath, stem)
	}
	mn := first(stem+".manifest.json", "manifest.json")
	if mn == "" {
		return nil, fmt.Errorf("weights: no manifest beside %s (looked for %s.manifest.json, manifest.json)", graphPath, stem)
	}
	mf, err := root.Open(mn)
	if err != nil {
		return nil, fmt.Errorf("manifest beside %s: %w", graphPath, err)
	}
	defer mf.Close()
	wf, err := root.Open(wn)
	if err != nil {
		return nil, fmt.Errorf("weights beside %s: %w", graphPath, err)
	}
	defer wf.Close()
	return openFiles(wf, filepath.Join(dir, wn), mf, filepath.Join(dir, mn))
}

func readManifestBeside(root *confine.Root, name string) (*manifest.Manifest, error) {
	mf, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	data, err := confine.ReadAll(mf, name, maxManifestBytes)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// CheckConsts checks that every @weights constant of g agrees with its
// manifest entry: data type and shape, not only the byte size (float32[8]
// and float16[16] have the same size, but not the same meaning).
func (s *Store) CheckConsts(g *graph.Graph) error {
	for _, c := range g.Consts {
		if c.Kind != graph.ConstWeights {
			continue
		}
		key, e, err := s.Manifest.Lookup(c.Ref)
		if err != nil {
			return fmt.Errorf("weights: %s: const %q: %w", s.ManifestPath, c.Name, err)
		}
		if e.DataType == "" {
			continue // an entry without a descriptor: only its size is known
		}
		shape, _ := c.Desc.StaticShape()
		same := e.DataType == c.Desc.DType.String() && len(e.Shape) == len(shape)
		for i := 0; same && i < len(shape); i++ {
			same = e.Shape[i] == int64(shape[i])
		}
		if !same {
			return fmt.Errorf("weights: %s: entry %q is %s%v, but const %q is declared %s", s.ManifestPath, key, e.DataType, e.Shape, c.Name, c.Desc)
		}
	}
	return nil
}

// WeightBytes returns the bytes of a @weights ref without copying: exact
// manifest key first, then the "::"→"__", "."→"_" normalisation. The
// slice is valid until Close and must not be written.
func (s *Store) WeightBytes(ref string) ([]byte, error) {
	if s == nil || s.Manifest == nil {
		return nil, errors.New("weights: store is closed")
	}
	_, e, err := s.Manifest.Lookup(ref)
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %w", s.ManifestPath, err)
	}
	end := e.ByteOffset + e.ByteLength
	if e.ByteOffset < 0 || end > int64(len(s.data)) {
		return nil, fmt.Errorf("weights: tensor %q: bytes [%d, %d) lie beyond %s (%d bytes)", ref, e.ByteOffset, end, s.WeightsPath, len(s.data))
	}
	return s.data[e.ByteOffset:end:end], nil
}

// WeightLen implements graph.WeightSizes.
func (s *Store) WeightLen(ref string) (int64, bool) {
	n, err := s.WeightByteLength(ref)
	return n, err == nil
}

// WeightByteLength is WeightLen with the lookup error.
func (s *Store) WeightByteLength(ref string) (int64, error) {
	if s == nil || s.Manifest == nil {
		return 0, errors.New("weights: store is closed")
	}
	_, e, err := s.Manifest.Lookup(ref)
	if err != nil {
		return 0, fmt.Errorf("weights: %s: %w", s.ManifestPath, err)
	}
	return e.ByteLength, nil
}

// Size is the weights file size.
func (s *Store) Size() int64 { return int64(len(s.data)) }

// Close unmaps the file; slices returned by WeightBytes become invalid.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	var err error
	if s.mapped {
		err = unmapFile(s.data)
		s.mapped = false
	}
	s.data = nil
	s.Manifest = nil
	return err
}
