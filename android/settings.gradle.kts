// The Android build: the `thecal` library module and the `thecal-android` layer (a sample app joins later).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "thecal-android"
include(":thecal")
include(":thecal-android")
