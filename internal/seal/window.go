package seal

// WindowSize is how far below a sender's highest accepted counter a counter
// may be and still be accepted (once).
const WindowSize = 1024

// window is one sender's replay window: the highest counter accepted and a
// bitmap of the WindowSize counters below it. Bit i (word i/64, bit i%64)
// stands for counter max-1-i.
type window struct {
	max  uint64
	bits [WindowSize / 64]uint64
	used bool // max is a counter that was accepted
}

// fresh reports whether counter c has not been accepted and is not more
// than WindowSize below the highest accepted counter. It changes nothing.
func (w *window) fresh(c uint64) bool {
	switch {
	case !w.used || c > w.max:
		return true
	case c == w.max:
		return false
	}
	d := w.max - c // 1 or more
	if d > WindowSize {
		return false
	}
	i := d - 1
	return w.bits[i/64]&(1<<(i%64)) == 0
}

// accept records counter c, which fresh accepted.
func (w *window) accept(c uint64) {
	if !w.used {
		*w = window{max: c, used: true}
		return
	}
	if c < w.max {
		i := w.max - c - 1
		w.bits[i/64] |= 1 << (i % 64)
		return
	}
	// c > w.max: the window moves up by d, and the old max becomes the
	// counter d below the new one (bit d-1).
	d := c - w.max
	w.shift(d)
	if d <= WindowSize {
		i := d - 1
		w.bits[i/64] |= 1 << (i % 64)
	}
	w.max = c
}

// shift moves every bit d places toward older counters (higher indexes),
// dropping those that fall off the end.
func (w *window) shift(d uint64) {
	if d >= WindowSize {
		w.bits = [WindowSize / 64]uint64{}
		return
	}
	words, bits := int(d/64), d%64
	n := len(w.bits)
	for j := n - 1; j >= 0; j-- {
		var v uint64
		if k := j - words; k >= 0 {
			v = w.bits[k] << bits
			if bits != 0 && k > 0 {
				v |= w.bits[k-1] >> (64 - bits)
			}
		}
		w.bits[j] = v
	}
}
