package fleet

import (
	"context"

	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// memberClient writes straight to a member and reads from the member cache for watched kinds.
type memberClient struct {
	client.Client
	registry *Registry
	cluster  string
	conn     *connection
}

var _ client.Client = (*memberClient)(nil)

// Get reads from the member cache when obj's kind is watched and synced; a miss in the cache
// (the object may not match the Watch selector) is read from the API server.
func (c *memberClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if r := c.cachedReader(obj); r != nil {
		err := r.Get(ctx, key, obj, opts...)
		if !apierrors.IsNotFound(err) {
			return err
		}
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

// List reads from the member cache when the list's kind is watched and synced: it then sees
// only objects that match the Watch selector.
func (c *memberClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if r := c.cachedReader(list); r != nil {
		return r.List(ctx, list, opts...)
	}
	return c.Client.List(ctx, list, opts...)
}

// cachedReader returns the synced cache of obj's kind (or of a list's item kind), or nil.
func (c *memberClient) cachedReader(obj runtime.Object) client.Reader {
	gvk, err := apiutil.GVKForObject(obj, c.registry.scheme)
	if err != nil {
		return nil
	}
	if _, isList := obj.(client.ObjectList); isList {
		gvk.Kind = strings.TrimSuffix(gvk.Kind, "List")
	}
	return c.conn.reader(gvk)
}
