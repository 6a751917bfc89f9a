package recurotel

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/recur-go/recur/integrations/internal/outcomes"
)

// bg is the context of measurements that belong to no call.
var bg = context.Background()

// attrs is an attribute set made into the options of both kinds of measurement once: an
// option made per measurement (metric.WithAttributes) allocates the set and the option each
// time, and the variadic slice too.
type attrs struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

func newAttrs(kv ...attribute.KeyValue) *attrs {
	o := metric.WithAttributeSet(attribute.NewSet(kv...))
	return &attrs{add: []metric.AddOption{o}, record: []metric.RecordOption{o}}
}

// keyed is a key's attribute sets.
type keyed struct {
	key                   string
	plain                 *attrs // recur.key alone
	attemptOK, attemptErr *attrs
	// outcomes are made on a call's first settlement with each, as most keys see few of them.
	outcomes [outcomes.Count]atomic.Pointer[attrs]
}

// outcome returns the set of recur.key and outcome o.
func (k *keyed) outcome(o int) *attrs {
	if a := k.outcomes[o].Load(); a != nil {
		return a
	}
	a := newAttrs(keyAttr.String(k.key), outcomeAttr.String(outcomes.Names[o]))
	k.outcomes[o].Store(a) // two hooks may race here: both sets are equal
	return a
}

// keyCache maps keys to their sets: a copy-on-write map, so that a hook finds a key's with one
// atomic load, no lock and no allocation (a sync.Map would box the string key).
type keyCache struct {
	m  atomic.Pointer[map[string]*keyed]
	mu sync.Mutex // serializes writers
}

func (c *keyCache) get(key string) *keyed {
	if m := c.m.Load(); m != nil {
		if k, ok := (*m)[key]; ok {
			return k
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var m map[string]*keyed
	if p := c.m.Load(); p != nil {
		if k, ok := (*p)[key]; ok {
			return k
		}
		m = maps.Clone(*p)
	} else {
		m = map[string]*keyed{}
	}
	k := &keyed{
		key:        key,
		plain:      newAttrs(keyAttr.String(key)),
		attemptOK:  newAttrs(keyAttr.String(key), attemptRes.String("ok")),
		attemptErr: newAttrs(keyAttr.String(key), attemptRes.String("error")),
	}
	m[key] = k
	c.m.Store(&m)
	return k
}
