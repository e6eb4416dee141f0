package graph

import "strconv"

// Valid reports whether n is a plain decimal literal every loader reads:
// -?D+(.D+)?([eE][+-]?D+)? (no inf, nan, ".5", "1.", "+1").
func (n Number) Valid() bool { return ValidNumber(string(n)) }

// IsInt reports whether n is written without fraction or exponent.
func (n Number) IsInt() bool {
	for i := 0; i < len(n); i++ {
		if c := n[i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return len(n) > 0
}

// Int64 parses n as an integer; false when it has a fraction or exponent
// or overflows int64.
func (n Number) Int64() (int64, bool) {
	if !n.IsInt() {
		return 0, false
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}

// Float64 parses n as a float64 (rounding to nearest).
func (n Number) Float64() (float64, error) { return strconv.ParseFloat(string(n), 64) }

func (n Number) String() string { return string(n) }

// ValidNumber reports whether s matches -?D+(.D+)?([eE][+-]?D+)?.
func ValidNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() bool {
		st := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > st
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}
