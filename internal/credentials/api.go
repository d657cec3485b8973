package credentials

// Names the credentials REST API shows for the system store and its
// global domain (CredentialsStoreAction.java, SystemCredentialsProvider.java).
const (
	// StoreURLName is the system store's segment: /credentials/store/system/.
	StoreURLName = "system"
	// GlobalDomain is the global domain's URL name: …/domain/_/.
	GlobalDomain = "_"
	// GlobalDomainFullName is the global domain's "fullName".
	GlobalDomainFullName = StoreURLName + "/" + GlobalDomain
	// GlobalDomainDisplayName and GlobalDomainDescription are the global
	// domain's "displayName" and "description".
	GlobalDomainDisplayName = "Global"
	GlobalDomainDescription = "Credentials that should be available everywhere."
	// GlobalDomainFullDisplayName is its "fullDisplayName".
	GlobalDomainFullDisplayName = "System » Global"

	// The "_class" of the objects in api/json.
	StoreActionClass = "com.cloudbees.plugins.credentials.SystemCredentialsProvider$UserFacingAction"
	DomainClass      = "com.cloudbees.plugins.credentials.CredentialsStoreAction$DomainWrapper"
	WrapperClass     = "com.cloudbees.plugins.credentials.CredentialsStoreAction$CredentialsWrapper"
)

// The messages of the JSON answers ({"status":"ok","data":{"message":…,
// "notificationType":…}}) Jenkins gives to clients sending
// Accept: application/json.
const (
	MsgCreated      = "Credentials created"                         // SUCCESS
	MsgExists       = "Credentials with specified ID already exist" // ERROR, still 200
	MsgUpdated      = "Credentials updated"                         // SUCCESS
	MsgDeleted      = "Credentials deleted"                         // SUCCESS
	MsgDeleteFailed = "Failed to delete credentials"                // ERROR
)

// Summary is what a credential shows in api/json, as a
// CredentialsWrapper exports it: no secret, username or scope. The
// fields are in Jenkins's order; all have visibility 1, so a domain's
// list shows them at depth=1 (at depth 0 its items carry only "_class",
// WrapperClass).
type Summary struct {
	Description string
	DisplayName string
	// Fingerprint is nil (JSON null) for a credential no build has used;
	// internal/credstore sets it to its *Fingerprint, the builds that
	// used the credential, which the edge renders as Jenkins's
	// hudson.model.Fingerprint.
	Fingerprint any
	FullName    string
	ID          string
	TypeName    string
}

// Summary is c's api/json object in the domain whose full name is given
// (GlobalDomainFullName for the system store's).
func (c *Credential) Summary(domainFullName string) Summary {
	return Summary{
		Description: c.Description,
		DisplayName: c.DisplayName(),
		FullName:    c.FullName(domainFullName),
		ID:          c.ID,
		TypeName:    c.TypeName(),
	}
}
