package tap

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamTable checks every row of the stream table: its parent exists
// and can have children of its kind, its keys and replication key are in
// its schema, its endpoint is on a known surface, and its rules name
// fields that exist.
func TestStreamTable(t *testing.T) {
	names := map[string]bool{}
	for _, st := range Streams {
		t.Run(st.Name, func(t *testing.T) {
			assert.False(t, names[st.Name], "duplicate stream")
			names[st.Name] = true
			spec, err := st.Spec()
			require.NoError(t, err)
			var props []string
			for _, p := range spec.Schema.Properties {
				props = append(props, p.Name)
			}
			require.NotEmpty(t, st.KeyProperties, "a stream needs key properties")
			for _, k := range st.KeyProperties {
				assert.Contains(t, props, k, "key property %q not in the schema", k)
			}
			for _, k := range []string{st.ParentKey, st.NodeKey} {
				if k != "" {
					assert.Contains(t, props, k, "added field %q not in the schema", k)
				}
			}
			if st.Each != nil {
				assert.NotEmpty(t, st.Each.Param)
				assert.NotEmpty(t, st.Each.Values)
				if st.Each.Field != "" {
					assert.Contains(t, props, st.Each.Field)
				}
				assert.Empty(t, st.Parent, "Each and Parent do not combine")
			}
			if len(st.IDFrom) > 0 {
				assert.Contains(t, props, "id")
				for _, f := range st.IDFrom {
					assert.Contains(t, props, f)
				}
			}
			for _, f := range st.Drop {
				assert.NotContains(t, props, f, "a dropped field must not be declared")
			}
			for _, f := range st.Nulled {
				assert.Contains(t, props, f)
			}

			// Its surface and request shape.
			assert.True(t, strings.HasPrefix(st.Path, "/v1/"), "path %q", st.Path)
			assert.Contains(t, []string{"", http.MethodGet, http.MethodPost}, st.Method)
			hasID := strings.Contains(st.Path, "{id}")
			assert.Equal(t, st.Parent != "", hasID, "a path names {id} exactly when the stream has a parent")
			if st.Object {
				assert.False(t, st.Paged, "an object answer has no pages")
			}
			if st.Detail != nil {
				assert.Contains(t, st.Detail.Path, "{id}")
				assert.NotEmpty(t, st.Detail.Of, "a detail names what it is of")
				assert.True(t, strings.HasPrefix(st.Detail.Path, "/v1/"))
			}
			for _, p := range append(slices.Clone(st.Items), detailItems(st)...) {
				for seg := range strings.SplitSeq(p, ".") {
					assert.NotEmpty(t, strings.TrimSuffix(seg, "*"), "item path %q", p)
				}
			}

			// Its kind.
			switch st.Kind {
			case Export:
				assert.NotNil(t, st.PerMinute, "an export is paced")
				assert.NotEmpty(t, st.ReplicationKey)
				assert.NotEmpty(t, st.AfterParam)
				assert.NotEmpty(t, st.BeforeParam)
				assert.Empty(t, st.Parent)
			case ActivityLog:
				assert.NotEmpty(t, st.ReplicationKey)
				assert.True(t, st.Paged)
			case Analytics:
				assert.NotEmpty(t, st.ReplicationKey)
				assert.Equal(t, http.MethodPost, st.Method)
				assert.NotEmpty(t, st.Catalog)
				assert.True(t, st.Paged)
			case List:
				assert.Empty(t, st.ReplicationKey, "lists are FULL_TABLE")
				assert.Empty(t, st.Method, "lists are read with GET")
			case Child:
				assert.Empty(t, st.ReplicationKey, "children ride on the parent's bookmark")
				assert.False(t, st.SelectedByDefault, "children cost a request per parent")
			default:
				t.Fatalf("unknown kind %d", st.Kind)
			}
			if st.ReplicationKey != "" {
				assert.Contains(t, props, st.ReplicationKey)
			}
			if st.Kind != Export {
				assert.Nil(t, st.PerMinute, "only exports have their own pacing")
			}

			// Its parent.
			if st.Parent == "" {
				assert.Empty(t, st.ParentKey)
				return
			}
			parent, ok := StreamByName(st.Parent)
			require.True(t, ok, "parent %q is not a stream", st.Parent)
			switch st.Kind {
			case Child:
				assert.Equal(t, Export, parent.Kind, "a child rides on an export's windows")
			case List:
				assert.Equal(t, List, parent.Kind, "a list's parent is a list")
				assert.Empty(t, parent.Parent, "a parent has no parent of its own")
				assert.Nil(t, parent.Detail, "a parent's records are its list's")
				assert.Nil(t, parent.Each)
			default:
				t.Errorf("a %d stream cannot have a parent", st.Kind)
			}
			assert.Less(t, streamIndex(st.Parent), streamIndex(st.Name), "a parent comes first")
		})
	}
}

func detailItems(st Stream) []string {
	if st.Detail == nil {
		return nil
	}
	return st.Detail.Items
}
