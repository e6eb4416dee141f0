package tensor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// NumPy .npy format (versions 1.0, 2.0 and 3.0):
//
//	"\x93NUMPY" major minor  header_len (u16 LE for v1, u32 LE for v2/v3)
//	header: Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//	        padded with spaces and a final '\n' to a multiple of 64 bytes
//	data:   the elements in C order
//
// Supported descr: <f2 <f4 <f8 <i1 <i2 <i4 <i8 <u1 <u2 <u4 <u8 |b1 <c8
// <c16 (| or = for the one-byte types, '>' byte-swapped on reading), and
// <U<n> / |S<n> fixed-width strings.

const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header length we accept; numpy writes a few
// hundred bytes.
const maxNPYHeader = 1 << 20

// npyDescr maps a DType to its little-endian numpy descr.
var npyDescr = map[DType]string{
	Float16: "<f2", Float32: "<f4", Float64: "<f8",
	Int8: "|i1", Int16: "<i2", Int32: "<i4", Int64: "<i8",
	Uint8: "|u1", Uint16: "<u2", Uint32: "<u4", Uint64: "<u8",
	Bool: "|b1", Complex64: "<c8", Complex128: "<c16",
}

// npyKind maps a descr without its byte-order character to a DType.
var npyKind = map[string]DType{
	"f2": Float16, "f4": Float32, "f8": Float64,
	"i1": Int8, "i2": Int16, "i4": Int32, "i8": Int64,
	"u1": Uint8, "u2": Uint16, "u4": Uint32, "u8": Uint64,
	"b1": Bool, "c8": Complex64, "c16": Complex128,
}

// npyHeader is the decoded header dict.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
}

// ReadNPY reads one .npy array from r.
func ReadNPY(r io.Reader) (*Tensor, error) {
	rem, sized := remaining(r)
	br := r
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: reading magic: %w", noEOF(err))
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("npy: not a .npy file (bad magic)")
	}
	major := pre[6]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", noEOF(err))
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", noEOF(err))
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", major, pre[7])
	}
	if hlen > maxNPYHeader {
		return nil, fmt.Errorf("npy: header of %d bytes is too long", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(br, hb); err != nil {
		return nil, fmt.Errorf("npy: reading header: %w", noEOF(err))
	}
	if major < 3 {
		// Versions 1 and 2 are latin-1; numpy only writes ASCII there.
		for _, c := range hb {
			if c >= 0x80 {
				return nil, fmt.Errorf("npy: header is not ASCII")
			}
		}
	} else if !utf8.Valid(hb) {
		return nil, fmt.Errorf("npy: header is not UTF-8")
	}
	h, err := parseNPYHeader(string(hb))
	if err != nil {
		return nil, fmt.Errorf("npy: header %q: %v", strings.TrimSpace(string(hb)), err)
	}
	if h.fortran {
		return nil, fmt.Errorf("npy: fortran_order arrays are not supported (save with C order)")
	}
	if sized {
		rem -= int64(len(pre)) + int64(hlen) + 2
		if major > 1 {
			rem -= 2
		}
	} else {
		rem = -1
	}
	return readNPYData(br, h, rem)
}

// lener is implemented by readers that know how many bytes they have
// left (bytes.Reader, strings.Reader, the npz entry reader).
type lener interface{ Len() int }

// remaining reports how many bytes r has left, when it can tell.
func remaining(r io.Reader) (int64, bool) {
	switch r := r.(type) {
	case lener:
		return int64(r.Len()), true
	case *os.File:
		st, err := r.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return 0, false
		}
		pos, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0, false
		}
		return st.Size() - pos, true
	}
	return 0, false
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// maxNPYElements bounds the element count of one array.
const maxNPYElements = 1 << 40

// readNPYData reads the elements; rem is the number of bytes r holds, or
// -1 when unknown.
func readNPYData(r io.Reader, h npyHeader, rem int64) (*Tensor, error) {
	n := 1
	for _, d := range h.shape {
		if d < 0 || d > maxNPYElements || (d > 0 && n > maxNPYElements/d) {
			return nil, fmt.Errorf("npy: shape %v is too large", h.shape)
		}
		n *= d
	}
	descr := h.descr
	if descr == "" {
		return nil, fmt.Errorf("npy: empty descr")
	}
	order := descr[0]
	kind := descr
	switch order {
	case '<', '>', '|', '=':
		kind = descr[1:]
	default:
		order = '='
	}
	if kind != "" && (kind[0] == 'U' || kind[0] == 'S') {
		return readNPYStrings(r, h.shape, n, order, kind, rem)
	}
	dt, ok := npyKind[kind]
	if !ok {
		return nil, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	size := dt.Size()
	if order == '|' && size != 1 {
		return nil, fmt.Errorf("npy: dtype %q has no byte order", descr)
	}
	nbytes := n * size
	if rem >= 0 && int64(nbytes) > rem {
		return nil, fmt.Errorf("npy: %v%v needs %d data bytes, file has %d: %w", dt, h.shape, nbytes, rem, io.ErrUnexpectedEOF)
	}
	if (rem >= 0 || nbytes <= 1<<20) && dt != Bool && n > 0 {
		// Read straight into the tensor's storage.
		t, err := Alloc(dt, h.shape)
		if err != nil {
			return nil, fmt.Errorf("npy: %w", err)
		}
		buf := unsafe.Slice((*byte)(dataPtr(t)), nbytes)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("npy: %v%v data: %w", dt, h.shape, noEOF(err))
		}
		if order == '>' && size > 1 {
			swapBytes(buf, elemSwapWidth(dt))
		}
		return t, nil
	}
	buf, err := readFullGrowing(r, nbytes)
	if err != nil {
		return nil, fmt.Errorf("npy: %v%v data: %w", dt, h.shape, err)
	}
	if order == '>' && size > 1 {
		swapBytes(buf, elemSwapWidth(dt))
	}
	t, err := FromBytes(dt, h.shape, buf, false)
	if err != nil {
		return nil, fmt.Errorf("npy: %v", err)
	}
	return t, nil
}

// elemSwapWidth is the byte-swap unit of dt: complex numbers swap each
// half separately.
func elemSwapWidth(dt DType) int {
	switch dt {
	case Complex64:
		return 4
	case Complex128:
		return 8
	}
	return dt.Size()
}

func swapBytes(b []byte, w int) {
	for i := 0; i+w <= len(b); i += w {
		e := b[i : i+w]
		for j, k := 0, w-1; j < k; j, k = j+1, k-1 {
			e[j], e[k] = e[k], e[j]
		}
	}
}

// readFullGrowing reads exactly n bytes. Large claims are read in chunks
// so that a corrupt header cannot make us allocate memory the stream
// does not back.
func readFullGrowing(r io.Reader, n int) ([]byte, error) {
	const chunk = 1 << 20
	if n <= chunk {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, noEOF(err)
		}
		return b, nil
	}
	b := make([]byte, 0, chunk)
	for len(b) < n {
		step := min(n-len(b), max(chunk, len(b)))
		if cap(b)-len(b) < step {
			nb := make([]byte, len(b), len(b)+step)
			copy(nb, b)
			b = nb
		}
		k, err := io.ReadFull(r, b[len(b):len(b)+step])
		b = b[:len(b)+k]
		if err != nil {
			return nil, noEOF(err)
		}
	}
	return b, nil
}

// readNPYStrings reads a fixed-width <U (UTF-32) or |S (bytes) array.
func readNPYStrings(r io.Reader, shape []int, n int, order byte, kind string, rem int64) (*Tensor, error) {
	width, err := strconv.Atoi(kind[1:])
	if err != nil || width < 0 || width > 1<<20 {
		return nil, fmt.Errorf("npy: unsupported dtype %q", string(order)+kind)
	}
	unit := 1
	if kind[0] == 'U' {
		unit = 4
	}
	hi, lo := bits.Mul64(uint64(n), uint64(width*unit))
	if hi != 0 || lo > maxNPYElements {
		return nil, fmt.Errorf("npy: shape %v is too large", shape)
	}
	if rem >= 0 && int64(lo) > rem {
		return nil, fmt.Errorf("npy: string data needs %d bytes, file has %d: %w", lo, rem, io.ErrUnexpectedEOF)
	}
	buf, err := readFullGrowing(r, int(lo))
	if err != nil {
		return nil, fmt.Errorf("npy: string data: %w", err)
	}
	out := make([]string, n)
	stride := width * unit
	for i := range out {
		e := buf[i*stride : (i+1)*stride]
		if unit == 1 {
			out[i] = strings.TrimRight(string(e), "\x00")
			continue
		}
		var sb strings.Builder
		for j := 0; j < width; j++ {
			var c uint32
			if order == '>' {
				c = binary.BigEndian.Uint32(e[4*j:])
			} else {
				c = binary.LittleEndian.Uint32(e[4*j:])
			}
			if c == 0 {
				break
			}
			sb.WriteRune(rune(c))
		}
		out[i] = sb.String()
	}
	return &Tensor{DType: String, Shape: shape, Data: out}, nil
}

// parseNPYHeader parses the Python dict literal of a .npy header.
func parseNPYHeader(s string) (npyHeader, error) {
	p := &pyParser{s: s}
	var h npyHeader
	seen := map[string]bool{}
	p.space()
	if !p.eat('{') {
		return h, errors.New("expected '{'")
	}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return h, err
		}
		p.space()
		if !p.eat(':') {
			return h, fmt.Errorf("expected ':' after %q", key)
		}
		p.space()
		switch key {
		case "descr":
			if h.descr, err = p.str(); err != nil {
				return h, fmt.Errorf("descr: %v", err)
			}
		case "fortran_order":
			if h.fortran, err = p.boolean(); err != nil {
				return h, fmt.Errorf("fortran_order: %v", err)
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return h, fmt.Errorf("shape: %v", err)
			}
		default:
			return h, fmt.Errorf("unknown key %q", key)
		}
		seen[key] = true
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat('}') {
			return h, errors.New("expected ',' or '}'")
		}
		break
	}
	if rest := strings.TrimSpace(p.s[p.i:]); rest != "" {
		return h, fmt.Errorf("trailing text %q", rest)
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("missing key %q", k)
		}
	}
	return h, nil
}

type pyParser struct {
	s string
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("expected a string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", errors.New("escapes in strings are not supported")
	}
	p.i += end + 2
	return v, nil
}

func (p *pyParser) boolean() (bool, error) {
	switch {
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return false, errors.New("expected True or False")
}

func (p *pyParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("expected '('")
	}
	shape := []int{}
	for {
		p.space()
		if p.eat(')') {
			return shape, nil
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		// numpy may write Python 2 longs as 3L.
		num := p.s[start:p.i]
		p.eat('L')
		v, err := strconv.Atoi(num)
		if err != nil || v > maxNPYElements {
			return nil, fmt.Errorf("bad dimension %q", num)
		}
		shape = append(shape, v)
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat(')') {
			return nil, errors.New("expected ',' or ')'")
		}
		return shape, nil
	}
}

// WriteNPY writes t as a version 1.0 .npy array (version 2.0 when the
// header needs it). bfloat16, float8 and int4/uint4 have no numpy type
// and are refused rather than written as a look-alike.
func WriteNPY(w io.Writer, t *Tensor) error {
	descr, ok := npyDescr[t.DType]
	var strWidth int
	if t.DType == String {
		for _, s := range t.Data.([]string) {
			strWidth = max(strWidth, utf8.RuneCountInString(s))
		}
		descr, ok = "<U"+strconv.Itoa(max(strWidth, 1)), true
		strWidth = max(strWidth, 1)
	}
	if !ok {
		return fmt.Errorf("npy: %v has no numpy data type", t.DType)
	}
	if err := checkData(t); err != nil {
		return fmt.Errorf("npy: %v", err)
	}
	var shape strings.Builder
	shape.WriteByte('(')
	for i, d := range t.Shape {
		if i > 0 {
			shape.WriteString(", ")
		}
		shape.WriteString(strconv.Itoa(d))
	}
	if len(t.Shape) == 1 {
		shape.WriteByte(',')
	}
	shape.WriteByte(')')
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape.String())
	// Pad so that the data starts at a multiple of 64 bytes.
	version, prefix := byte(1), 10
	if len(dict)+1+prefix > 65535 {
		version, prefix = 2, 12
	}
	total := (prefix + len(dict) + 1 + 63) / 64 * 64
	hdr := make([]byte, 0, total)
	hdr = append(hdr, npyMagic...)
	hdr = append(hdr, version, 0)
	hlen := total - prefix
	if version == 1 {
		hdr = binary.LittleEndian.AppendUint16(hdr, uint16(hlen))
	} else {
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(hlen))
	}
	hdr = append(hdr, dict...)
	for len(hdr) < total-1 {
		hdr = append(hdr, ' ')
	}
	hdr = append(hdr, '\n')
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	n := t.Len()
	switch d := t.Data.(type) {
	case []string:
		buf := make([]byte, 4*strWidth)
		for _, s := range d {
			clear(buf)
			j := 0
			for _, r := range s {
				binary.LittleEndian.PutUint32(buf[4*j:], uint32(r))
				j++
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	case []bool:
		_, err := w.Write(t.Bytes())
		return err
	}
	if n == 0 {
		return nil
	}
	_, err := w.Write(unsafe.Slice((*byte)(dataPtr(t)), n*t.DType.Size()))
	return err
}

// checkData verifies that t.Data has the Go type and length its DType and
// Shape call for, so that writing it cannot read out of bounds.
func checkData(t *Tensor) error {
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("%v: negative dimension", t)
		}
	}
	if t.Data == nil {
		return fmt.Errorf("%v: no data", t)
	}
	want := MakeSlice(t.DType, 0)
	if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", t.Data) {
		return fmt.Errorf("%v: data is %T, want %T", t, t.Data, want)
	}
	if l := DataLen(t.Data); l != t.Len() {
		return fmt.Errorf("%v: data holds %d elements, shape needs %d", t, l, t.Len())
	}
	return nil
}
