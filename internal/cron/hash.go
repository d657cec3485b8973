package cron

import "crypto/md5"

// hash reproduces hudson.scheduler.Hash: Hash.from(seed) builds one
// java.util.Random per spec and every H term draws rnd.nextInt(n) from it,
// left to right, line by line.
type hash interface {
	next(n int32) int32
}

// hashFrom is Hash.from(seed): MD5 over the UTF-8 bytes, bytes 8..15 XORed
// into bytes 0..7, which are then read as a big-endian signed long and used
// to seed java.util.Random.
func hashFrom(seed string) *javaRandom {
	d := md5.Sum([]byte(seed))
	for i := 8; i < len(d); i++ {
		d[i%8] ^= d[i]
	}
	var l uint64
	for i := 0; i < 8; i++ {
		l = l<<8 + uint64(d[i])
	}
	return newJavaRandom(int64(l))
}

const (
	randMultiplier = 0x5DEECE66D
	randAddend     = 0xB
	randMask       = 1<<48 - 1
)

// javaRandom is java.util.Random: a 48-bit linear congruential generator.
type javaRandom struct {
	seed int64
}

// newJavaRandom is new Random(seed), which scrambles the seed.
func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ randMultiplier) & randMask}
}

// bits is Random.next(bits).
func (r *javaRandom) bits(n uint) int32 {
	r.seed = (r.seed*randMultiplier + randAddend) & randMask
	return int32(uint64(r.seed) >> (48 - n))
}

// next is Random.nextInt(bound) for bound > 0, including the power-of-two
// shortcut and the rejection loop (with Java's int overflow).
func (r *javaRandom) next(bound int32) int32 {
	if bound <= 0 {
		panic("cron: nextInt bound must be positive")
	}
	v := r.bits(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(v)) >> 31)
	}
	for u := v; ; u = r.bits(31) {
		v = u % bound
		if u-v+m >= 0 { // int32 arithmetic wraps exactly like Java's
			return v
		}
	}
}
