console.log("derive: todo")
