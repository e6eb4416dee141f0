package webnn

// Semantics this interpreter commits to (WebNN spec, checked against the
// WPT conformance vectors in TestWPT):
//
//   - float16 operands of arithmetic ops are widened exactly to float32,
//     computed there (transcendentals in float64) and every float result is
//     rounded to half once (round-to-nearest-even). Data movement ops
//     (reshape, transpose, slice, gather*, scatter*, pad, tile, …) copy raw
//     bits for every type.
//   - cast: float → integer truncates toward zero and saturates (NaN → 0);
//     integer → integer wraps (two's complement); → float16 rounds to
//     nearest even. MLNumber options (clamp bounds, pad value, @scalar)
//     are cast to the operand type exactly the same way, from their
//     decimal text (big integers stay exact).
//   - Integer div truncates toward zero; division by zero gives 0.
//   - gather*/scatter*: negative indices count from the end. Out-of-range
//     indices are an error naming the index, its position and the axis;
//     Options.ClampIndices clamps them as the spec allows (TestWPT uses it).
//   - resample2d maps output to input coordinates with the realised ratio
//     outSize/inSize (half-pixel), nearest picks ceil(c − 0.5) clamped,
//     linear clamps the coordinate to [0, size−1].
//   - quantizeLinear divides in float32, rounds half to even, adds the zero
//     point and saturates to its type; scale/zeroPoint broadcast blockwise.
//   - Operand-valued options (scale, bias, c, zeroPoint, RNN biases and
//     states) come from positional inputs where the op has a slot for them
//     (webnn-graph style), else from an option naming an operand, or from
//     rustnn's operand index (inputs by name, consts by name, node outputs).
//   - Dynamic dims bind from input shapes (0 … maxSize, one value per name
//     across inputs); {"name": EXPR, "maxSize": N} sizes in newShape/sizes
//     are evaluated with +, −, *, / (floor), %, max, min and checked
//     against N.
//
// Buffers: intermediates come from a pool recycled by liveness (views such
// as reshape share their input's buffer and keep it alive); after a run
// every buffer is free again and the next run reuses them. Free buffers
// are found by element type and size class; new ones get up to 12.5% spare
// capacity so that tensors growing by a row per run (a KV cache) reuse
// theirs. Constants are views of the weight bytes wherever their layout
// allows (constview.go): the weight source must stay open (mapped) while
// the Program is used.
