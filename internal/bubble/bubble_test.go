package bubble_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"

	"github.com/recur-go/recur/internal/bubble"
)

func TestInside(t *testing.T) {
	assert.False(t, bubble.Inside(), "a test's own goroutine")
	synctest.Test(t, func(t *testing.T) {
		assert.True(t, bubble.Inside(), "the bubble's goroutine")
		done := make(chan bool)
		go func() { done <- bubble.Inside() }()
		assert.True(t, <-done, "a goroutine started in the bubble")
	})
	done := make(chan bool)
	go func() { done <- bubble.Inside() }()
	assert.False(t, <-done, "a goroutine started outside")
}

func BenchmarkInside(b *testing.B) {
	for b.Loop() {
		bubble.Inside()
	}
}
