package nilness

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

type waiter interface{ Wait() }

type ptrWaiter struct{}

func (*ptrWaiter) Wait() {}

type funcWaiter func()

func (f funcWaiter) Wait() { f() }

type mapWaiter map[string]int

func (mapWaiter) Wait() {}

type valueWaiter struct{}

func (valueWaiter) Wait() {}

func TestNil(t *testing.T) {
	var none waiter
	assert.True(t, Nil(none), "a nil interface")
	assert.True(t, Nil(waiter((*ptrWaiter)(nil))), "a typed nil pointer")
	assert.True(t, Nil(waiter(funcWaiter(nil))), "a nil func")
	assert.True(t, Nil(waiter(mapWaiter(nil))), "a nil map")
	assert.False(t, Nil(waiter(&ptrWaiter{})))
	assert.False(t, Nil(waiter(funcWaiter(func() {}))))
	assert.False(t, Nil(waiter(mapWaiter{})))
	assert.False(t, Nil(waiter(valueWaiter{})), "a struct value is never nil")
	assert.False(t, Nil(0))
}
