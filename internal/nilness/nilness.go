// Package nilness tells a nil behind an interface: the one check every
// option that takes an interface value makes, so that a typed nil (a nil
// *redisstore.RefreshLock given as a quiltt.RefreshLock) is refused where
// the option is given rather than panicking at the first call.
package nilness

import "reflect"

// Nil reports whether v is nil or an interface holding a nil pointer, map,
// slice, func, channel or unsafe pointer: a value whose methods may well
// dereference it.
func Nil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.UnsafePointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
