from optfix.cli import main

main()
