import Glibc
import StrataServer

exit(await StrataServer.main(arguments: Array(CommandLine.arguments.dropFirst())))
