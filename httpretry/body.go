package httpretry

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// drainLimit bounds how much of a response to be retried is read. A body that fits is read
// whole, so its connection goes back to the pool; a larger one is left on its connection.
const drainLimit = 64 << 10

// buffer reads up to drainLimit bytes of resp's body before the engine decides whether to retry.
// If that is all of it, the original body is closed (its connection is reused) and replaced by
// the bytes, so the caller still gets it intact if this response turns out to be the last, and
// buffer reports true. Otherwise the body becomes those bytes followed by the rest, still on the
// connection, and buffer reports false.
func buffer(resp *http.Response) (complete bool, err error) {
	head, err := io.ReadAll(io.LimitReader(resp.Body, drainLimit+1))
	if err != nil {
		resp.Body.Close()
		return false, err
	}
	if len(head) <= drainLimit {
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(head))
		return true, nil
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return false, nil
}

// cancelOnClose makes closing resp's body end its request's context, which the response no
// longer needs, as net/http's Client does for its own timeouts. A body that can be written to
// (a 101 Switching Protocols connection) stays writable.
func cancelOnClose(resp *http.Response, cancel context.CancelCauseFunc) {
	if resp.Body == nil || resp.Body == http.NoBody {
		cancel(nil)
		return
	}
	b := cancelBody{ReadCloser: resp.Body, cancel: cancel}
	if w, ok := resp.Body.(io.Writer); ok {
		resp.Body = &cancelWriteBody{b, w}
		return
	}
	resp.Body = &b
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

// Close closes the body first, so that a fully read body returns its connection to the pool
// before the context ends.
func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

type cancelWriteBody struct {
	cancelBody
	w io.Writer
}

func (b *cancelWriteBody) Write(p []byte) (int, error) { return b.w.Write(p) }
