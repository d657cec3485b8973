package server

// What the tests of package server_test read of the server's insides.

// Routes is the walker's route table (routes.go).
var Routes = routes

// The kinds of route.
const (
	RouteRead      = routeRead
	RouteAction    = routeAction
	RouteReadWrite = routeReadWrite
	RoutePublic    = routePublic
)

// PanicMessage is what the log says when a handler panics.
const PanicMessage = panicMessage

// FlashParam is the query parameter carrying a held page's id.
const FlashParam = flashParam

// InvalidUserName stands in the audit log for an invalid claimed name.
const InvalidUserName = invalidUserName

// ForgetSummaries forgets the dashboard's remembered job histories.
func (s *Server) ForgetSummaries() { s.summaries.Clear() }

// StaticPrefix is the path the web UI's assets are served under.
func (s *Server) StaticPrefix() string { return s.ui.StaticPrefix() }

// Route is one route of the table.
type Route = route
