from brainstorm.cli import main

main()
