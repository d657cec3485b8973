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
	RouteHook      = routeHook
)

// PanicMessage is what the log says when a handler panics.
const PanicMessage = panicMessage

// InvalidUserName stands in the audit log for an invalid claimed name.
const InvalidUserName = invalidUserName

// Route is one route of the table.
type Route = route
