package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// routes lists every collection's routes. Adding a collection is a file that
// declares its routes, store and handlers, plus its line here.
var routes = slices.Concat(
	keyRoutes(),
	llmRoutes(),
	policyRoutes(),
	repoRoutes(),
	bucketRoutes(),
	workspaceRoutes(),
	organizationRoutes(),
)

// A route is a path pattern and the endpoints it serves. In the pattern a
// "{name}" segment matches any non-empty segment, unescaped and available to the
// handler as params[name].
type route struct {
	path      string
	endpoints []endpoint
}

// An endpoint serves one method of a route as one operation. An endpoint without
// a handler answers 404 as if the route did not exist, with absent as the
// explanation: it marks calls that clients may expect but the API does not have.
type endpoint struct {
	method string
	op     string
	handle handler
	absent string
}

type handler func(s *Server, r *http.Request, params map[string]string) result

// dispatch is what a request's method and path resolved to.
type dispatch struct {
	// endpoint serves the request; nil if none does.
	endpoint *endpoint
	params   map[string]string
	// allow lists the methods the path does serve, when it has no endpoint for
	// this one.
	allow []string
}

// op is the operation counted for the request and matched by faults: "" for an
// unknown path or method.
func (d dispatch) op() string {
	if d.endpoint == nil || d.endpoint.handle == nil {
		return ""
	}
	return d.endpoint.op
}

// match resolves a request. It works on the escaped path, so that an id
// containing "/" (sent as %2F) stays one segment. A handled endpoint of any
// matching route wins over a declared-absent one.
func match(method, escapedPath string) dispatch {
	segments := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var (
		absent *endpoint
		allow  []string
	)
	for i := range routes {
		rt := &routes[i]
		params, ok := matchPath(rt.path, segments)
		if !ok {
			continue
		}
		for j := range rt.endpoints {
			ep := &rt.endpoints[j]
			switch {
			case ep.handle == nil:
				if ep.method == method && absent == nil {
					absent = ep
				}
			case ep.method == method:
				return dispatch{endpoint: ep, params: params}
			case !slices.Contains(allow, ep.method):
				allow = append(allow, ep.method)
			}
		}
	}
	if absent != nil {
		return dispatch{endpoint: absent}
	}
	return dispatch{allow: allow}
}

func matchPath(pattern string, segments []string) (map[string]string, bool) {
	parts := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	if len(parts) != len(segments) {
		return nil, false
	}
	var params map[string]string
	for i, part := range parts {
		name, isParam := strings.CutPrefix(part, "{")
		if !isParam {
			if segments[i] != part {
				return nil, false
			}
			continue
		}
		value, err := url.PathUnescape(segments[i])
		if err != nil || value == "" {
			return nil, false
		}
		if params == nil {
			params = make(map[string]string)
		}
		params[strings.TrimSuffix(name, "}")] = value
	}
	return params, true
}
