{
  "_class" : "hudson.model.Hudson",
  "assignedLabels" : [
    {
      "name" : "built-in"
    }
  ],
  "mode" : "NORMAL",
  "nodeDescription" : "the Jenkins controller's built-in node",
  "nodeName" : "",
  "numExecutors" : 2,
  "description" : None,
  "jobs" : [
    {
      "_class" : "hudson.model.FreeStyleProject",
      "name" : "alpha",
      "url" : "http://localhost:8080/job/alpha/",
      "color" : "blue"
    },
    {
      "_class" : "hudson.model.FreeStyleProject",
      "name" : "we\"ird <name> & ünïcode/\ttab",
      "url" : "http://localhost:8080/job/we\"ird <name> & ünïcode/\ttab/",
      "color" : "red_anime"
    },
    {
      "_class" : "com.cloudbees.hudson.plugins.folder.Folder",
      "name" : "team",
      "url" : "http://localhost:8080/job/team/"
    },
    {
      "_class" : "hudson.model.FreeStyleProject",
      "name" : "zulu",
      "url" : "http://localhost:8080/job/zulu/",
      "color" : "notbuilt"
    }
  ],
  "overallLoad" : {
    
  },
  "primaryView" : {
    "_class" : "hudson.model.AllView",
    "name" : "all",
    "url" : "http://localhost:8080/"
  },
  "quietDownReason" : None,
  "quietingDown" : False,
  "slaveAgentPort" : -1,
  "unlabeledLoad" : {
    "_class" : "jenkins.model.UnlabeledLoadStatistics"
  },
  "url" : "http://localhost:8080/",
  "useCrumbs" : True,
  "useSecurity" : True,
  "views" : [
    {
      "_class" : "hudson.model.AllView",
      "name" : "all",
      "url" : "http://localhost:8080/"
    },
    {
      "_class" : "hudson.model.ListView",
      "name" : "mine",
      "url" : "http://localhost:8080/view/mine/"
    }
  ]
}