// Package xcheck holds only tests: it cross-checks shapeinfer against the
// ONNX interpreter (runtime/onnx) on the zoo cases, comparing every
// intermediate value's real shape with its symbolic shape evaluated at
// the case's dims, and every known value / constant with the real data.
// It lives apart from shapeinfer so that shapeinfer's own tests never
// depend on the interpreter compiling.
package xcheck
