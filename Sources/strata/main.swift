import Glibc
import StrataAdmin
import StrataServer

// `strata admin …` is the operator's CLI; every other invocation runs the server.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "admin" {
    exit(await StrataAdmin.main(arguments: Array(arguments.dropFirst())))
}
exit(await StrataServer.main(arguments: arguments))
